using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// The coordinator asks a worker for units <see cref="From"/>…<see cref="To"/> − 1 of iteration
/// <see cref="Iteration"/>, computed on weights <see cref="Version"/> (DESIGN.md, "One synchronous
/// iteration"). The worker sums each tree node of the range and sends one gradient frame per node
/// on the data plane; with <see cref="Display"/>, the frame of the iteration's last unit carries
/// the train net's outputs too.
/// </summary>
[MessagePackObject]
public sealed record Step(
    [property: Key(0)] int Iteration,
    [property: Key(1)] long Version,
    [property: Key(2)] int From,
    [property: Key(3)] int To,
    [property: Key(4)] bool Display) : IClusterMessage;
