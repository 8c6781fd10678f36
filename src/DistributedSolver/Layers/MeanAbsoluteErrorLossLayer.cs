using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Keras's mean_absolute_error: mean(|p − t|) over all elements (an L1 loss; Caffe has none). Its
/// gradient at p = t is 0, as TensorFlow and JAX take the gradient of |x| at 0.
/// </summary>
public sealed class MeanAbsoluteErrorLossLayer(LayerParameter parameter, IComputeBackend backend) : DifferenceLossLayer(parameter, backend)
{
    protected override float LossSum(BufferView d) => Backend.SumOfMagnitudes(d);

    protected override void Gradient(BufferView d, float scale, BufferView dx) => Backend.ScaledSign(d, scale, dx);
}
