using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>The coordinator will not use this worker (another net, say); the worker stops and says why.</summary>
[MessagePackObject]
public sealed record WorkerRefused(
    [property: Key(0)] string WorkerId,
    [property: Key(1)] string Reason) : IClusterMessage;
