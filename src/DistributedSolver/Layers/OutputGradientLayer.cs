using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// A neuron layer whose gradient is a function of its output (Sigmoid, TanH, Softmax): y = f(x),
/// dx = g(y, dy). Backward never reads x, so the layer may overwrite it in place.
/// </summary>
public abstract class OutputGradientLayer(LayerParameter parameter, IComputeBackend backend) : NeuronLayer(parameter, backend)
{
    protected abstract void Apply(BufferView x, BufferView y);

    protected abstract void Gradient(BufferView y, BufferView dy, BufferView dx);

    public sealed override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => Apply(bottom[0].Data, top[0].Data);

    public sealed override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0]) Gradient(top[0].Data, top[0].Diff, bottom[0].Diff);
    }
}
