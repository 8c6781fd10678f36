namespace DistributedSolver.Gpu.Kernels;

/// <summary>scale·(sigmoid − target), 0 where the target is the ignored label; a = sigmoid, b = target.</summary>
internal readonly struct SigmoidCrossEntropyGradientOp(int hasIgnore, int ignore, float scale) : IElementwise
{
    public float Apply(float a, float b) => (hasIgnore != 0 && (int)b == ignore ? 0f : a - b) * scale;
}

/// <summary>scale·((1 − t)/(1 − p) − t/p) inside the clip, 0 outside; a = p, b = t.</summary>
internal readonly struct BinaryCrossEntropyGradientOp(float epsilon, float scale) : IElementwise
{
    public float Apply(float a, float b) =>
        a >= epsilon && a <= 1f - epsilon ? scale * ((1f - b) / (1f - a) - b / a) : 0f;
}
