using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// A layer whose top is its bottom under another shape (Flatten, Reshape): the top is bound to
/// the bottom's data and gradient (Caffe's ShareData / ShareDiff), so nothing is ever copied.
/// Not in place, as in Caffe.
/// </summary>
public abstract class ViewLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    protected sealed override (int Min, int Max) BottomCount => (1, 1);

    protected sealed override (int Min, int Max) TopCount => (1, 1);

    /// <summary>The top's shape, the same count as <paramref name="bottom"/>'s.</summary>
    protected abstract IReadOnlyList<int> TopShape(Blob bottom);

    protected sealed override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (ReferenceEquals(top[0], bottom[0])) throw Error("does not run in place; give the top another name");
        top[0].SetShape(TopShape(bottom[0]));
        if (top[0].Count != bottom[0].Count)
            throw Error($"the new shape {top[0].ShapeString} has {top[0].Count} values, '{bottom[0].Name}' {bottom[0].ShapeString} has {bottom[0].Count}");
        top[0].Bind(bottom[0].Data, bottom[0].Diff);
    }

    public sealed override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // The top is a view of the bottom: nothing to do.
    }

    public sealed override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        // The bottom's gradient is the top's, already written by the layer above.
    }
}
