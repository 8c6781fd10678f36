namespace DistributedSolver.Cluster.Hosting;

/// <summary>The roles a node of the trainer can have.</summary>
public static class ClusterRoles
{
    /// <summary>Hosts the coordinator + parameter server singleton (active, or standby).</summary>
    public const string Coordinator = "coordinator";

    /// <summary>Computes units of work.</summary>
    public const string Worker = "worker";

    public static readonly IReadOnlyList<string> All = [Coordinator, Worker];
}
