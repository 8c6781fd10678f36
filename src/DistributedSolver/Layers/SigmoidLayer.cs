using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Sigmoid: y = 1 / (1 + e^−x), dx = dy·y·(1 − y).</summary>
public sealed class SigmoidLayer(LayerParameter parameter, IComputeBackend backend) : OutputGradientLayer(parameter, backend)
{
    protected override void Apply(BufferView x, BufferView y) => Backend.SigmoidForward(x, y);

    protected override void Gradient(BufferView y, BufferView dy, BufferView dx) => Backend.SigmoidBackward(y, dy, dx);
}
