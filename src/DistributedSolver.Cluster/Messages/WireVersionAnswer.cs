using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>The answer to <see cref="WireVersionQuery"/>; frozen forever for the same reason.</summary>
[MessagePackObject]
public sealed record WireVersionAnswer([property: Key(0)] int Version) : IClusterMessage;
