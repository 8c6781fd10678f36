using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

// BLAS-1 and arithmetic as elementwise operations. Each rounds the way the CPU backend's
// TensorPrimitives call does (a product, then a sum; no fused multiply-add).

internal readonly struct AddOp : IElementwise
{
    public float Apply(float a, float b) => a + b;
}

internal readonly struct SubtractOp : IElementwise
{
    public float Apply(float a, float b) => a - b;
}

internal readonly struct MultiplyOp : IElementwise
{
    public float Apply(float a, float b) => a * b;
}

internal readonly struct DivideOp : IElementwise
{
    public float Apply(float a, float b) => a / b;
}

/// <summary>a·alpha (b unused).</summary>
internal readonly struct ScaleOp(float alpha) : IElementwise
{
    public float Apply(float a, float b) => a * alpha;
}

/// <summary>The constant (a and b unused).</summary>
internal readonly struct FillOp(float value) : IElementwise
{
    public float Apply(float a, float b) => value;
}

/// <summary>x·alpha + y·beta with a = x, b = y.</summary>
internal readonly struct AxpbyOp(float alpha, float beta) : IElementwise
{
    public float Apply(float a, float b) => a * alpha + b * beta;
}

/// <summary>x·alpha + y with a = x, b = y.</summary>
internal readonly struct AxpyOp(float alpha) : IElementwise
{
    public float Apply(float a, float b) => a * alpha + b;
}

/// <summary>scale·sign(a), sign(0) = 0.</summary>
internal readonly struct ScaledSignOp(float scale) : IElementwise
{
    public float Apply(float a, float b) => a > 0f ? scale : a < 0f ? -scale : 0f;
}

/// <summary>dy where the argmax (b) is this bottom's index, else 0; a = dy.</summary>
internal readonly struct EltwiseMaxGradientOp(int index) : IElementwise
{
    public float Apply(float a, float b) => b == index ? a : 0f;
}

/// <summary>max(a, 0), ReLU without a slope the way TensorPrimitives.Max computes it (so −x gives +0).</summary>
internal readonly struct ReluOp : IElementwise
{
    public float Apply(float a, float b) => XMath.Max(a, 0f);
}
