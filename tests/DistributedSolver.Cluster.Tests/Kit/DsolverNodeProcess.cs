using System.Diagnostics;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.Tests.Kit;

/// <summary>
/// A real <c>dsolver worker</c> or <c>dsolver coordinator</c> process on loopback: the
/// multi-process variant of the kit, for deaths no in-process trick imitates (<c>kill -9</c>)
/// and for SIGTERM's graceful leave.
/// </summary>
internal sealed class DsolverNodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private DsolverNodeProcess(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public int Port { get; private init; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return string.Join('\n', _output);
        }
    }

    /// <summary>Starts <c>dsolver {role}</c> on a free port with the template's failure-detector timings.</summary>
    public static DsolverNodeProcess Start(string role, NodeSettings template, IEnumerable<string> seeds, params string[] arguments)
    {
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dsolver.dll"), role, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        foreach (var arg in arguments) start.ArgumentList.Add(arg);
        foreach (var seed in seeds)
        {
            start.ArgumentList.Add("--seed");
            start.ArgumentList.Add(seed);
        }
        start.Environment[NodeSettings.Variables.ClusterToken] = template.ClusterToken;
        start.Environment[NodeSettings.Variables.HeartbeatInterval] = $"{template.HeartbeatInterval.TotalMilliseconds}ms";
        start.Environment[NodeSettings.Variables.AcceptableHeartbeatPause] = $"{template.AcceptableHeartbeatPause.TotalMilliseconds}ms";
        start.Environment[NodeSettings.Variables.StableAfter] = $"{template.StableAfter.TotalMilliseconds}ms";
        var process = new DsolverNodeProcess(Process.Start(start)!) { Port = port };
        process._process.OutputDataReceived += (_, e) => process.Append(e.Data);
        process._process.ErrorDataReceived += (_, e) => process.Append(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        return process;
    }

    /// <summary>kill -9: no leave, no coordinated shutdown.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as Kubernetes stops a pod.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
