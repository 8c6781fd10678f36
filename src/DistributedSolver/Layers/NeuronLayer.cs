using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's NeuronLayer: one bottom, one top of the same shape, computed elementwise, so it may run in place.</summary>
public abstract class NeuronLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    protected sealed override (int Min, int Max) BottomCount => (1, 1);

    protected sealed override (int Min, int Max) TopCount => (1, 1);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!ReferenceEquals(top[0], bottom[0])) top[0].SetShape(bottom[0].Shape);
    }
}
