using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;
using Mode = DistributedSolver.Proto.LossParameter.Types.NormalizationMode;

namespace DistributedSolver.Layers;

/// <summary>
/// A loss over (prediction, label) bottoms with Caffe's <c>loss_param</c>: an ignored label and
/// the normalization of the summed loss (SoftmaxWithLoss, SigmoidCrossEntropyLoss). Gradients
/// flow into the prediction only.
/// </summary>
public abstract class NormalizedLossLayer(LayerParameter parameter, IComputeBackend backend, Mode layerDefault) : Layer(parameter, backend)
{
    private Mode _normalization;
    private float _normalizer = 1f;

    protected sealed override (int Min, int Max) BottomCount => (2, 2);

    public sealed override bool IsLoss => true;

    public sealed override bool CanPropagateTo(int index) => index == 0;

    /// <summary>The label whose positions count neither in the loss nor in VALID's normalizer.</summary>
    protected int? IgnoreLabel { get; private set; }

    protected sealed override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var loss = Parameter.LossParam;
        IgnoreLabel = loss is { HasIgnoreLabel: true } ? loss.IgnoreLabel : null;
        // Caffe: normalization when given, else the deprecated normalize (true: VALID, false:
        // BATCH_SIZE), else the layer's own default.
        _normalization = loss is null ? layerDefault
            : loss.HasNormalization ? loss.Normalization
            : loss.HasNormalize ? (loss.Normalize ? Mode.Valid : Mode.BatchSize)
            : layerDefault;
        if (!Enum.IsDefined(_normalization)) throw Error($"loss_param.normalization: unknown mode {(int)_normalization}");
        LossSetUp(bottom, top);
    }

    /// <summary>Checks the bottoms and shapes the tops (the loss top is a scalar).</summary>
    protected abstract void LossSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>
    /// Caffe's get_normalizer, remembered for backward: FULL counts all <paramref name="outer"/>·<paramref name="inner"/>
    /// positions, VALID the <paramref name="valid"/> ones not ignored, BATCH_SIZE <paramref name="outer"/>,
    /// NONE 1; never below 1, so a batch of only ignored labels gives loss 0 instead of NaN.
    /// </summary>
    protected float Normalize(float lossSum, int outer, int inner, int valid)
    {
        float normalizer = _normalization switch
        {
            Mode.Full => outer * inner,
            Mode.Valid => valid,
            Mode.BatchSize => outer,
            _ => 1f, // NONE; LayerSetUp admits no other value
        };
        _normalizer = MathF.Max(1f, normalizer);
        return lossSum / _normalizer;
    }

    /// <summary>The factor of the prediction's gradient: the loss top's weight over the forward pass's normalizer.</summary>
    protected float GradientScale(Blob loss)
    {
        Span<float> weight = stackalloc float[1];
        Backend.Download(loss.Diff, weight);
        return weight[0] / _normalizer;
    }
}
