using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// Forward passes on weights <see cref="Version"/>: batches <see cref="FirstBatch"/> …
/// <see cref="FirstBatch"/> + <see cref="Count"/> − 1 of a test pass whose batch 0 starts at sample
/// <see cref="Position"/>, on test net <see cref="Net"/>, or on the train net when it is
/// <see cref="TrainNet"/> (Caffe's final display pass). Answered with <see cref="Evaluated"/>.
/// </summary>
[MessagePackObject]
public sealed record Evaluate(
    [property: Key(0)] int Net,
    [property: Key(1)] long Version,
    [property: Key(2)] long Position,
    [property: Key(3)] int FirstBatch,
    [property: Key(4)] int Count) : IClusterMessage
{
    public const int TrainNet = -1;
}
