using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// The coordinator's answer: where its parameter server's data plane listens, the cluster's
/// incarnation (a new one after every hand-over), which the data-plane handshake must present, the
/// run's random seed, from which every unit's randomness is drawn, and where the gradient buckets
/// start in the flat parameters.
/// </summary>
[MessagePackObject]
public sealed record WorkerRegistered(
    [property: Key(0)] string WorkerId,
    [property: Key(1)] long Incarnation,
    [property: Key(2)] string DataPlaneHost,
    [property: Key(3)] int DataPlanePort,
    [property: Key(4)] long RandomSeed,
    [property: Key(5)] int[] BucketOffsets) : IClusterMessage;
