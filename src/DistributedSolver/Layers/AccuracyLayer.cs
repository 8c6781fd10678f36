using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Accuracy: the fraction of labels among the <c>top_k</c> scores. No gradient.</summary>
public sealed class AccuracyLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _outer, _channels, _inner, _topK;
    private int? _ignoreLabel;

    protected override (int Min, int Max) BottomCount => (2, 2);

    protected override (int Min, int Max) TopCount => (1, 1);

    public override bool CanPropagateTo(int index) => false;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.AccuracyParam ?? new AccuracyParameter();
        _ignoreLabel = p.HasIgnoreLabel ? p.IgnoreLabel : null;
        int axis = bottom[0].CanonicalAxis(p.Axis);
        _outer = bottom[0].CountAxes(0, axis);
        _channels = bottom[0].Shape[axis];
        _inner = bottom[0].CountAxes(axis + 1, bottom[0].NumAxes);
        _topK = (int)p.TopK;
        if (_topK < 1 || _topK > _channels) throw Error($"top_k {p.TopK} must be in [1, {_channels}]");
        if (bottom[1].Count != _outer * _inner)
            throw Error($"label blob '{bottom[1].Name}' {bottom[1].ShapeString} must have {_outer * _inner} values");
        top[0].SetShape([]);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int correct, counted;
        try
        {
            (correct, counted) = Backend.AccuracyCount(_outer, _channels, _inner, bottom[0].Data, bottom[1].Data, _topK, _ignoreLabel);
        }
        catch (InvalidDataException e)
        {
            throw DataError(e);
        }
        Backend.Fill(top[0].Data, counted == 0 ? 0f : (float)correct / counted);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown.Any(p => p)) throw Error("Accuracy has no gradient");
    }
}
