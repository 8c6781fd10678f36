using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Keras's mean_squared_error: mean((p − t)²) over all elements. Caffe's EuclideanLoss is
/// Σ(p − t)²/2N with N the batch, which is this times d/2 for d values per sample.
/// </summary>
public sealed class MeanSquaredErrorLossLayer(LayerParameter parameter, IComputeBackend backend) : DifferenceLossLayer(parameter, backend)
{
    protected override float LossSum(BufferView d) => Backend.SumOfSquares(d);

    protected override void Gradient(BufferView d, float scale, BufferView dx) => Backend.Axpby(2f * scale, d, 0f, dx);
}
