using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// A Keras loss over (prediction, target) bottoms with as many values each: the mean over every
/// element of a per-element loss. Keras takes the mean over the last axis, then over the batch
/// (its "sum_over_batch_size" reduction); with rows of equal length that is the mean over all
/// elements. The gradient flows into the prediction only.
/// </summary>
public abstract class ElementwiseLossLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _count;

    protected sealed override (int Min, int Max) BottomCount => (2, 2);

    protected sealed override (int Min, int Max) TopCount => (1, 1);

    public sealed override bool IsLoss => true;

    public sealed override bool CanPropagateTo(int index) => index == 0;

    protected sealed override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Caffe's normalization modes would make this another loss than Keras's, silently.
        if (Parameter.LossParam is not null) throw Error("loss_param is not supported: the loss is the mean over all elements, as Keras computes it");
        if (bottom[0].Count != bottom[1].Count)
            throw Error($"targets '{bottom[1].Name}' {bottom[1].ShapeString} must have as many values as predictions '{bottom[0].Name}' {bottom[0].ShapeString}");
        _count = bottom[0].Count;
        AllocateScratch(_count);
        top[0].SetShape([]);
    }

    /// <summary>Buffers of <paramref name="count"/> floats the loss keeps between forward and backward.</summary>
    protected virtual void AllocateScratch(int count)
    {
    }

    /// <summary>The per-element losses of <paramref name="prediction"/> against <paramref name="target"/>, summed.</summary>
    protected abstract float LossSum(BufferView prediction, BufferView target);

    /// <summary>dx = scale·∂(per-element loss)/∂prediction, after <see cref="LossSum"/> ran on the same bottoms.</summary>
    protected abstract void Gradient(BufferView prediction, BufferView target, float scale, BufferView dx);

    public sealed override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        Backend.Fill(top[0].Data, LossSum(bottom[0].Data, bottom[1].Data) / _count);

    public sealed override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Span<float> weight = stackalloc float[1];
        Backend.Download(top[0].Diff, weight);
        Gradient(bottom[0].Data, bottom[1].Data, weight[0] / _count, bottom[0].Diff);
    }
}
