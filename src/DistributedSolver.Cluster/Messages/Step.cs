using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// The coordinator asks a worker for units of iteration <see cref="Iteration"/> computed on weights
/// <see cref="Version"/> (DESIGN.md, "One synchronous iteration"). Gradients come back on the data plane.
/// </summary>
[MessagePackObject]
public sealed record Step(
    [property: Key(0)] int Iteration,
    [property: Key(1)] long Version,
    [property: Key(2)] int[] Units) : IClusterMessage;
