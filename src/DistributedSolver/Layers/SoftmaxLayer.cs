using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Softmax over <c>softmax_param.axis</c>; each position of the other axes is its own distribution.</summary>
public sealed class SoftmaxLayer(LayerParameter parameter, IComputeBackend backend) : OutputGradientLayer(parameter, backend)
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

    protected override void Apply(BufferView x, BufferView y) => Backend.SoftmaxForward(_outer, _channels, _inner, x, y);

    protected override void Gradient(BufferView y, BufferView dy, BufferView dx) => Backend.SoftmaxBackward(_outer, _channels, _inner, y, dy, dx);
}
