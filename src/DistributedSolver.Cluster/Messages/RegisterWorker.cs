using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>A worker announces itself to the coordinator singleton (again after every hand-over).</summary>
[MessagePackObject]
public sealed record RegisterWorker([property: Key(0)] string WorkerId) : IClusterMessage;
