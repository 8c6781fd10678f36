using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Softmax over <c>softmax_param.axis</c>; the gradient comes from the output, so it may run in place.</summary>
public sealed class SoftmaxLayer(LayerParameter parameter, IComputeBackend backend) : NeuronLayer(parameter, backend)
{
    private int _outer, _channels, _inner;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.LayerSetUp(bottom, top);
        int axis = bottom[0].CanonicalAxis(Parameter.SoftmaxParam?.Axis ?? 1);
        _outer = bottom[0].CountAxes(0, axis);
        _channels = bottom[0].Shape[axis];
        _inner = bottom[0].CountAxes(axis + 1, bottom[0].NumAxes);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        Backend.SoftmaxForward(_outer, _channels, _inner, bottom[0].Data, top[0].Data);

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0]) Backend.SoftmaxBackward(_outer, _channels, _inner, top[0].Data, top[0].Diff, bottom[0].Diff);
    }
}
