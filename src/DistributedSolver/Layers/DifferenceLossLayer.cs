using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>A regression loss that is a function of the difference p − t alone (mse, mae).</summary>
public abstract class DifferenceLossLayer(LayerParameter parameter, IComputeBackend backend) : ElementwiseLossLayer(parameter, backend)
{
    private BufferView _difference;

    protected sealed override void AllocateScratch(int count) => _difference = Backend.Allocate(count).View;

    /// <summary>The per-element losses of the difference <paramref name="d"/>, summed.</summary>
    protected abstract float LossSum(BufferView d);

    /// <summary>dx = scale·f′(d), elementwise.</summary>
    protected abstract void Gradient(BufferView d, float scale, BufferView dx);

    protected sealed override float LossSum(BufferView prediction, BufferView target)
    {
        Backend.Subtract(prediction, target, _difference);
        return LossSum(_difference);
    }

    protected sealed override void Gradient(BufferView prediction, BufferView target, float scale, BufferView dx) =>
        Gradient(_difference, scale, dx);
}
