namespace DistributedSolver.Cli.Commands;

/// <summary>
/// The environment variables that stand for a node's flags, so that a pod's args are only its role
/// (README "Run on Kubernetes"). A flag wins over its variable. The cluster's own settings are
/// <see cref="Cluster.Hosting.NodeSettings.Variables"/>.
/// </summary>
internal static class PodVariables
{
    public const string Solver = "DSOLVER_SOLVER";
    public const string SnapshotPrefix = "DSOLVER_SNAPSHOT_PREFIX";
    public const string MinWorkers = "DSOLVER_MIN_WORKERS";
    public const string Device = "DSOLVER_DEVICE";

    public static string? Get(string name) =>
        Environment.GetEnvironmentVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public static int? GetInt(string name) =>
        Get(name) is not { } text ? null
        : int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value
        : throw new UsageException($"{name}: '{text}' is not a whole number");
}
