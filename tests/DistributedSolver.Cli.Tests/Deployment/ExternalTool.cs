using System.Diagnostics;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The command-line tools the deployment tests drive (kubectl, node, npm): found on PATH, run with
/// a time limit, their output returned whole so a failing test can show it.
/// </summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null where it is not installed.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    public static (int ExitCode, string Out, string Error) Run(
        string tool, IEnumerable<string> arguments, string workingDirectory, string? input = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Find(tool) ?? throw new InvalidOperationException($"{tool} is not on PATH"))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {limit}");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
