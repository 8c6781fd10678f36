using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// deploy/validate/validate.mjs, the offline schema check of rendered manifests. Its packages are
/// installed with `npm ci` from the committed lock file once per test run, when node_modules is
/// missing, so `dotnet test` alone covers it in CI.
/// </summary>
internal static class ManifestValidator
{
    public static string Directory { get; } = Path.Combine(RepoPaths.Root, "deploy", "validate");

    /// <summary>Why the validator cannot run here, or null when node and npm are installed.</summary>
    public static string? Absence { get; } =
        ExternalTool.Find("node") is null ? "node is not on PATH (it runs deploy/validate/validate.mjs)"
        : ExternalTool.Find("npm") is null ? "npm is not on PATH (it installs the validator's packages)"
        : null;

    private static readonly Lazy<string?> Installed = new(Install);

    /// <summary>Runs the validator on <paramref name="yaml"/> (stdin): its exit code and its whole output.</summary>
    public static (int ExitCode, string Output) Validate(string yaml)
    {
        if (Installed.Value is { } failure) throw new InvalidOperationException(failure);
        var (exit, output, error) = ExternalTool.Run("node", [Path.Combine(Directory, "validate.mjs")], Directory, input: yaml);
        return (exit, output + error);
    }

    private static string? Install()
    {
        if (File.Exists(Path.Combine(Directory, "node_modules", "kubernetes-models", "package.json"))) return null;
        var (exit, output, error) = ExternalTool.Run("npm", ["ci", "--no-audit", "--no-fund"], Directory, timeout: TimeSpan.FromMinutes(5));
        return exit == 0 ? null : $"npm ci in deploy/validate failed ({exit}): {error}{output}";
    }
}
