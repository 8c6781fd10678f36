using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// A worker announces itself to the coordinator singleton (again after every hand-over), with the
/// layout of its net's parameters so that a worker built from another net is refused by name.
/// </summary>
[MessagePackObject]
public sealed record RegisterWorker(
    [property: Key(0)] string WorkerId,
    [property: Key(1)] string NetLayout) : IClusterMessage;
