using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>Leaky ReLU: a &gt; 0 ? a : slope·a.</summary>
internal readonly struct LeakyReluOp(float slope) : IElementwise
{
    public float Apply(float a, float b) => a > 0f ? a : slope * a;
}

/// <summary>dy·(x &gt; 0 ? 1 : slope) with a = x, b = dy.</summary>
internal readonly struct ReluGradientOp(float slope) : IElementwise
{
    public float Apply(float a, float b) => a > 0f ? b : b * slope;
}

/// <summary>Keras' relu(x, alpha, max_value, threshold) (b unused).</summary>
internal readonly struct ClippedReluOp(float slope, float threshold, float maxValue) : IElementwise
{
    public float Apply(float a, float b)
    {
        float kept = XMath.Min(a > threshold ? a : 0f, maxValue);
        // Keras adds the negative part only for a non-zero slope (0·∞ would be NaN).
        return slope == 0f ? kept : kept - slope * XMath.Max(threshold - a, 0f);
    }
}

/// <summary>dy·f′(x) with a = x, b = dy.</summary>
internal readonly struct ClippedReluGradientOp(float slope, float threshold, float maxValue) : IElementwise
{
    public float Apply(float a, float b) => a > threshold ? (a < maxValue ? b : 0f) : b * slope;
}

/// <summary>1 / (1 + e^−a).</summary>
internal readonly struct SigmoidOp : IElementwise
{
    public float Apply(float a, float b) => 1f / (1f + XMath.Exp(-a));
}

/// <summary>dy·y·(1 − y) with a = y, b = dy (Caffe's order of the products).</summary>
internal readonly struct SigmoidGradientOp : IElementwise
{
    public float Apply(float a, float b) => b * a * (1f - a);
}

internal readonly struct TanhOp : IElementwise
{
    public float Apply(float a, float b) => XMath.Tanh(a);
}

/// <summary>dy·(1 − y²) with a = y, b = dy.</summary>
internal readonly struct TanhGradientOp : IElementwise
{
    public float Apply(float a, float b) => b * (1f - a * a);
}
