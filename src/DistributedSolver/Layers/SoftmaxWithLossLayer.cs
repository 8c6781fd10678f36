using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's SoftmaxWithLoss: softmax over <c>softmax_param.axis</c>, then the multinomial
/// logistic loss, normalized by <c>loss_param.normalization</c> (FULL, VALID, BATCH_SIZE, NONE).
/// </summary>
public sealed class SoftmaxWithLossLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _outer, _channels, _inner;
    private int? _ignoreLabel;
    private LossParameter.Types.NormalizationMode _normalization;
    private Blob? _probabilities;
    private float _normalizer = 1f;

    protected override (int Min, int Max) BottomCount => (2, 2);

    protected override (int Min, int Max) TopCount => (1, 2);

    public override bool IsLoss => true;

    public override bool CanPropagateTo(int index) => index == 0;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var loss = Parameter.LossParam;
        _ignoreLabel = loss is { HasIgnoreLabel: true } ? loss.IgnoreLabel : null;
        _normalization = LossNormalization.Choose(loss, LossParameter.Types.NormalizationMode.Valid);
        int axis = bottom[0].CanonicalAxis(Parameter.SoftmaxParam?.Axis ?? 1);
        _outer = bottom[0].CountAxes(0, axis);
        _channels = bottom[0].Shape[axis];
        _inner = bottom[0].CountAxes(axis + 1, bottom[0].NumAxes);
        if (bottom[1].Count != _outer * _inner)
            throw Error($"label blob '{bottom[1].Name}' {bottom[1].ShapeString} must have {_outer * _inner} values "
                + $"(one per prediction of '{bottom[0].Name}' {bottom[0].ShapeString})");
        _probabilities = new Blob($"{Name}.prob");
        _probabilities.SetShape(bottom[0].Shape);
        _probabilities.Allocate(Backend);
        top[0].SetShape([]);
        if (top.Count > 1) top[1].SetShape(bottom[0].Shape);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var prob = _probabilities!.Data;
        Backend.SoftmaxForward(_outer, _channels, _inner, bottom[0].Data, prob);
        float lossSum;
        int valid;
        try
        {
            (lossSum, valid) = Backend.SoftmaxCrossEntropy(_outer, _channels, _inner, prob, bottom[1].Data, _ignoreLabel);
        }
        catch (InvalidDataException e)
        {
            throw DataError(e);
        }
        _normalizer = LossNormalization.Normalizer(_normalization, _outer, _inner, valid);
        Backend.Fill(top[0].Data, lossSum / _normalizer);
        if (top.Count > 1) Backend.Copy(prob, top[1].Data);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Span<float> lossWeight = stackalloc float[1];
        Backend.Download(top[0].Diff, lossWeight);
        Backend.SoftmaxCrossEntropyBackward(_outer, _channels, _inner, _probabilities!.Data, bottom[1].Data,
            _ignoreLabel, lossWeight[0] / _normalizer, bottom[0].Diff);
    }
}
