using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// A cluster member asks a joining node for its wire version, telling its own. Its format is frozen
/// forever: it is the one message nodes of different wire versions must still be able to read.
/// </summary>
[MessagePackObject]
public sealed record WireVersionQuery([property: Key(0)] int Version) : IClusterMessage;
