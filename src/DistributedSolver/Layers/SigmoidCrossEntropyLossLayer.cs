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
public sealed class SigmoidCrossEntropyLossLayer(LayerParameter parameter, IComputeBackend backend)
    : NormalizedLossLayer(parameter, backend, LossParameter.Types.NormalizationMode.BatchSize)
{
    private int _outer, _inner;
    private BufferView _sigmoid;

    protected override (int Min, int Max) TopCount => (1, 1);

    protected override void LossSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
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
        var (lossSum, valid) = Backend.SigmoidCrossEntropy(bottom[0].Data, bottom[1].Data, IgnoreLabel);
        Backend.Fill(top[0].Data, Normalize(lossSum, _outer, _inner, valid));
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        Backend.SigmoidForward(bottom[0].Data, _sigmoid);
        Backend.SigmoidCrossEntropyBackward(_sigmoid, bottom[1].Data, IgnoreLabel, GradientScale(top[0]), bottom[0].Diff);
    }
}
