using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's ReLU with <c>negative_slope</c> (leaky); may run in place.</summary>
public sealed class ReLULayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private float Slope => Parameter.ReluParam?.NegativeSlope ?? 0f;

    protected override (int Min, int Max) BottomCount => (1, 1);

    protected override (int Min, int Max) TopCount => (1, 1);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!ReferenceEquals(top[0], bottom[0])) top[0].SetShape(bottom[0].Shape);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        Backend.ReluForward(bottom[0].Data, top[0].Data, Slope);

    // In place, the bottom's data already holds max(x, slope·x), which has x's sign: the mask is the same.
    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0]) Backend.ReluBackward(bottom[0].Data, top[0].Diff, bottom[0].Diff, Slope);
    }
}
