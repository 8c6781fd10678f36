namespace DistributedSolver.Cluster.Hosting;

/// <summary>A cluster setting that cannot be used; names the setting (variable or flag).</summary>
public sealed class NodeSettingsException(string setting, string message) : Exception($"{setting}: {message}")
{
    public string Setting { get; } = setting;
}
