using DistributedSolver.Tests;
using System.Diagnostics;

namespace DistributedSolver.Cli.Tests;

/// <summary>Runs the built <c>dsolver</c> as a real process: exit codes, stderr and files are what a user sees.</summary>
internal static class DsolverProcess
{
    public static (int ExitCode, string Out, string Error) Run(string workingDirectory, params string[] args) =>
        Run(workingDirectory, new Dictionary<string, string>(), args);

    /// <param name="environment">Variables set for the process, as a pod's manifest sets them.</param>
    public static (int ExitCode, string Out, string Error) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dsolver.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        // Tests must not depend on whether Debian's data package is installed.
        start.Environment["DSOLVER_DATA_PATH"] = "";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dsolver {string.Join(' ', args)} did not finish");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    public static string SubsetPrefix(string split) => RepoPaths.SubsetPrefix(split);
}
