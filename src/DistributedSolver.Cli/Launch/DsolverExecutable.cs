using System.Reflection;

namespace DistributedSolver.Cli.Launch;

/// <summary>How to run this same dsolver again: its apphost, or <c>dotnet dsolver.dll</c> when it runs that way.</summary>
internal sealed record DsolverExecutable(string FileName, IReadOnlyList<string> LeadingArguments)
{
    public static DsolverExecutable Current() => Of(
        Environment.ProcessPath ?? throw new InvalidOperationException("the path of the running executable is unknown"),
        Assembly.GetEntryAssembly()?.Location ?? "");

    public static DsolverExecutable Of(string processPath, string entryAssembly) =>
        Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new DsolverExecutable(processPath, [entryAssembly])
            : new DsolverExecutable(processPath, []);
}
