using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Sigmoid: y = 1 / (1 + e^−x); the gradient comes from y, so it may run in place.</summary>
public sealed class SigmoidLayer(LayerParameter parameter, IComputeBackend backend) : NeuronLayer(parameter, backend)
{
    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        Backend.SigmoidForward(bottom[0].Data, top[0].Data);

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0]) Backend.SigmoidBackward(top[0].Data, top[0].Diff, bottom[0].Diff);
    }
}
