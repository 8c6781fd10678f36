using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>The answer to <see cref="Ping"/>.</summary>
[MessagePackObject]
public sealed record Pong([property: Key(0)] long Sequence) : IClusterMessage;
