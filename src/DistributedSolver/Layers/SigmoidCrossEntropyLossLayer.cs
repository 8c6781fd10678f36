using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's SigmoidCrossEntropyLoss: the logistic loss of scores against targets in [0, 1], in
/// Caffe's form that never exponentiates a positive number, with <c>loss_param.ignore_label</c>
/// and normalization (default BATCH_SIZE, Caffe's historical choice for this layer). The
/// gradient is sigmoid(x) − target.
/// </summary>
public sealed class SigmoidCrossEntropyLossLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _outer, _inner;
    private int? _ignoreLabel;
    private LossParameter.Types.NormalizationMode _normalization;
    private BufferView _sigmoid;
    private float _normalizer = 1f;

    protected override (int Min, int Max) BottomCount => (2, 2);

    protected override (int Min, int Max) TopCount => (1, 1);

    public override bool IsLoss => true;

    public override bool CanPropagateTo(int index) => index == 0;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var loss = Parameter.LossParam;
        _ignoreLabel = loss is { HasIgnoreLabel: true } ? loss.IgnoreLabel : null;
        _normalization = LossNormalization.Choose(loss, LossParameter.Types.NormalizationMode.BatchSize);
        if (bottom[0].NumAxes == 0) throw Error($"scores '{bottom[0].Name}' need a batch axis");
        if (bottom[1].Count != bottom[0].Count)
            throw Error($"targets '{bottom[1].Name}' {bottom[1].ShapeString} must have as many values as scores '{bottom[0].Name}' {bottom[0].ShapeString}");
        _outer = bottom[0].Shape[0];
        _inner = bottom[0].CountAxes(1, bottom[0].NumAxes);
        _sigmoid = Backend.Allocate(bottom[0].Count).View;
        top[0].SetShape([]);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var (lossSum, valid) = Backend.SigmoidCrossEntropy(bottom[0].Data, bottom[1].Data, _ignoreLabel);
        _normalizer = LossNormalization.Normalizer(_normalization, _outer, _inner, valid);
        Backend.Fill(top[0].Data, lossSum / _normalizer);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Span<float> lossWeight = stackalloc float[1];
        Backend.Download(top[0].Diff, lossWeight);
        Backend.SigmoidForward(bottom[0].Data, _sigmoid);
        Backend.SigmoidCrossEntropyBackward(_sigmoid, bottom[1].Data, _ignoreLabel, lossWeight[0] / _normalizer, bottom[0].Diff);
    }
}
