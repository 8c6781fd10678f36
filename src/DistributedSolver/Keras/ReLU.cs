using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's ReLU layer: f(x) = min(x, maxValue) for x &gt; threshold, negativeSlope·(x − threshold)
/// otherwise (Keras's <c>negative_slope</c>, also called alpha). Caffe's ReLU with the
/// <c>relu_param</c> extensions <c>max_value</c> and <c>threshold</c>; with the defaults it is
/// Caffe's ReLU bit for bit.
/// </summary>
public sealed class ReLU : KerasLayer
{
    public ReLU(float? maxValue = null, float negativeSlope = 0f, float threshold = 0f, string? name = null) : base(name)
    {
        // Keras's layer refuses negative values of all three.
        if (maxValue is < 0f) throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "must be ≥ 0");
        if (negativeSlope < 0f) throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "must be ≥ 0");
        if (threshold < 0f) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "must be ≥ 0");
        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
    }

    public float? MaxValue { get; }

    public float NegativeSlope { get; }

    public float Threshold { get; }

    internal override string DefaultName => "re_lu";

    internal override int[] OutputShape(int[] input) => input;

    internal override void Emit(NetBuilder net, int[] input, bool withActivation)
    {
        var layer = net.Add(Name!, "ReLU");
        if (MaxValue is null && NegativeSlope == 0f && Threshold == 0f) return;
        var p = new ReLUParameter();
        if (NegativeSlope != 0f) p.NegativeSlope = NegativeSlope;
        if (MaxValue is { } max) p.MaxValue = max;
        if (Threshold != 0f) p.Threshold = Threshold;
        layer.ReluParam = p;
    }
}
