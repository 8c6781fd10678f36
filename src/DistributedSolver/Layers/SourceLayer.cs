using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>A data layer: it takes no bottoms, produces the batch at <see cref="Position"/>, and nothing flows back into it.</summary>
public abstract class SourceLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend), IBatchSource
{
    public abstract int BatchSize { get; }

    public abstract long SampleCount { get; }

    public long Position { get; set; }

    protected sealed override (int Min, int Max) BottomCount => (0, 0);

    public sealed override bool CanPropagateTo(int index) => false;

    public sealed override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
    }
}
