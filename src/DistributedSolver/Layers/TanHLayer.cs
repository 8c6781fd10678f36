using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's TanH: y = tanh x, dx = dy·(1 − y²).</summary>
public sealed class TanHLayer(LayerParameter parameter, IComputeBackend backend) : OutputGradientLayer(parameter, backend)
{
    protected override void Apply(BufferView x, BufferView y) => Backend.TanhForward(x, y);

    protected override void Gradient(BufferView y, BufferView dy, BufferView dx) => Backend.TanhBackward(y, dy, dx);
}
