using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's SoftmaxWithLoss: softmax over <c>softmax_param.axis</c>, then the multinomial
/// logistic loss, normalized by <c>loss_param.normalization</c> (FULL, VALID, BATCH_SIZE, NONE).
/// </summary>
public sealed class SoftmaxWithLossLayer(LayerParameter parameter, IComputeBackend backend)
    : NormalizedLossLayer(parameter, backend, LossParameter.Types.NormalizationMode.Valid)
{
    private int _outer, _channels, _inner;
    private Blob? _probabilities;

    protected override (int Min, int Max) TopCount => (1, 2);

    protected override void LossSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
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
            (lossSum, valid) = Backend.SoftmaxCrossEntropy(_outer, _channels, _inner, prob, bottom[1].Data, IgnoreLabel);
        }
        catch (InvalidDataException e)
        {
            throw DataError(e);
        }
        Backend.Fill(top[0].Data, Normalize(lossSum, _outer, _inner, valid));
        if (top.Count > 1) Backend.Copy(prob, top[1].Data);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Backend.SoftmaxCrossEntropyBackward(_outer, _channels, _inner, _probabilities!.Data, bottom[1].Data,
            IgnoreLabel, GradientScale(top[0]), bottom[0].Diff);
    }
}
