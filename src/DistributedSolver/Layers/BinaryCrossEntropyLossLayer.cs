using DistributedSolver.Backend;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Keras's binary_crossentropy over probabilities (a sigmoid's output), as its NumPy, JAX and
/// PyTorch backends compute it: p clipped to [ε, 1 − ε] with Keras's ε = 1e-7, then
/// −(t·log p + (1 − t)·log(1 − p)), averaged over all elements. Where the clip holds p, the
/// gradient is 0. (SigmoidCrossEntropyLoss is the form over logits, without the clip.)
/// </summary>
public sealed class BinaryCrossEntropyLossLayer(LayerParameter parameter, IComputeBackend backend) : ElementwiseLossLayer(parameter, backend)
{
    /// <summary>Keras's backend epsilon (keras.config.epsilon()), its default.</summary>
    public const float Epsilon = 1e-7f;

    protected override float LossSum(BufferView prediction, BufferView target) =>
        Backend.BinaryCrossEntropy(prediction, target, Epsilon);

    protected override void Gradient(BufferView prediction, BufferView target, float scale, BufferView dx) =>
        Backend.BinaryCrossEntropyBackward(prediction, target, Epsilon, scale, dx);
}
