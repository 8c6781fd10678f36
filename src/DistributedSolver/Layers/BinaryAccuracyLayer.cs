using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Keras's binary_accuracy: the fraction of elements where the prediction, thresholded at 0.5
/// (p &gt; 0.5 is 1), equals the target. What Keras's "accuracy" means for a one-unit output.
/// No gradient.
/// </summary>
public sealed class BinaryAccuracyLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    /// <summary>Keras's default threshold.</summary>
    public const float Threshold = 0.5f;

    protected override (int Min, int Max) BottomCount => (2, 2);

    protected override (int Min, int Max) TopCount => (1, 1);

    public override bool CanPropagateTo(int index) => false;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].Count != bottom[1].Count)
            throw Error($"targets '{bottom[1].Name}' {bottom[1].ShapeString} must have as many values as predictions '{bottom[0].Name}' {bottom[0].ShapeString}");
        top[0].SetShape([]);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        Backend.Fill(top[0].Data, (float)Backend.BinaryAccuracyCount(bottom[0].Data, bottom[1].Data, Threshold) / bottom[0].Count);

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown.Any(p => p)) throw Error("BinaryAccuracy has no gradient");
    }
}
