using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Split, inserted by the net where one blob feeds several layers: the tops share the
/// bottom's values and the bottom's gradient is the sum of theirs.
/// </summary>
public sealed class SplitLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    protected override (int Min, int Max) BottomCount => (1, 1);

    protected override (int Min, int Max) TopCount => (1, int.MaxValue);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        foreach (var t in top)
        {
            t.SetShape(bottom[0].Shape);
            t.ShareData(bottom[0], Backend);
        }
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // The tops share the bottom's data: nothing to copy.
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Backend.Copy(top[0].Diff, bottom[0].Diff);
        for (int i = 1; i < top.Count; i++) Backend.Axpy(1f, top[i].Diff, bottom[0].Diff);
    }
}
