using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>A control-plane probe; answered with <see cref="Pong"/> carrying the same sequence number.</summary>
[MessagePackObject]
public sealed record Ping([property: Key(0)] long Sequence) : IClusterMessage;
