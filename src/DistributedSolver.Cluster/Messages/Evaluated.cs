using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// The answer to <see cref="Evaluate"/>: each batch's loss, and each batch's output values one
/// batch after the other (the coordinator knows the net's outputs, and averages them in batch order).
/// </summary>
[MessagePackObject]
public sealed record Evaluated(
    [property: Key(0)] int Net,
    [property: Key(1)] long Version,
    [property: Key(2)] int FirstBatch,
    [property: Key(3)] float[] Losses,
    [property: Key(4)] float[] Outputs) : IClusterMessage;
