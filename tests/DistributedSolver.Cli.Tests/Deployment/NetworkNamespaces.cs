using System.Diagnostics;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// Whether this machine lets the tests build the rehearsal's network (a namespace, a veth pair and
/// a bridge, as <c>deploy/rehearsal.sh</c> does), probed once per test run.
/// </summary>
internal static class NetworkNamespaces
{
    private static readonly Lazy<string?> AbsenceReason = new(Probe);

    /// <summary>Why they cannot be created here, or null where they can.</summary>
    public static string? Absence => AbsenceReason.Value;

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces are Linux only";
        if (!Environment.IsPrivilegedProcess) return "creating network namespaces needs root";
        if (Run("bash", "-c", "command -v ip") is { ExitCode: not 0 }) return "no 'ip' command (iproute2) or no bash";
        string probe = $"dsr-probe-{Environment.ProcessId}";
        try
        {
            if (Run("ip", "netns", "add", probe) is { ExitCode: not 0 } add) return $"ip netns add failed: {add.Error.Trim()}";
            if (Run("ip", "-n", probe, "link", "add", "name", "p0", "type", "veth", "peer", "name", "p1") is { ExitCode: not 0 } veth)
                return $"veth pairs cannot be created: {veth.Error.Trim()}";
            if (Run("ip", "-n", probe, "link", "add", "name", "br0", "type", "bridge") is { ExitCode: not 0 } bridge)
                return $"bridges cannot be created: {bridge.Error.Trim()}";
            return null;
        }
        finally
        {
            Run("ip", "netns", "del", probe);
        }
    }

    private static (int ExitCode, string Error) Run(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill();
                return (-1, $"{file} did not finish in 10 s");
            }
            return (process.ExitCode, error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}

/// <summary>A fact that needs network namespaces: skipped, with the reason, where they cannot be created.</summary>
public sealed class NetworkNamespaceFactAttribute : FactAttribute
{
    public NetworkNamespaceFactAttribute()
    {
        if (NetworkNamespaces.Absence is { } reason) Skip = $"needs network namespaces: {reason}";
    }
}
