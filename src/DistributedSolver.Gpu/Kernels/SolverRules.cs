using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

// The update rules of IComputeBackend, written with the CPU backend's operation order (a product,
// then a sum; correctly rounded square root and division), so each rounds as the CPU's does.
// Flags are ints: ILGPU takes no bool inside a kernel parameter.

/// <summary>h = momentum·h + rate·d; w −= h.</summary>
internal readonly struct SgdRule(float momentum, float rate) : ISolverRule
{
    public int Sets => 1;

    public void Apply(ref float w, float d, ref float h, ref float h1, ref float h2)
    {
        h = h * momentum + d * rate;
        w -= h;
    }
}

/// <summary>h′ = momentum·h + rate·d; w −= (1 + momentum)·h′ − momentum·h; h = h′.</summary>
internal readonly struct NesterovRule(float momentum, float rate) : ISolverRule
{
    private readonly float _onePlusMomentum = 1f + momentum;
    private readonly float _minusMomentum = -momentum;

    public int Sets => 1;

    public void Apply(ref float w, float d, ref float h, ref float h1, ref float h2)
    {
        float next = h * momentum + d * rate;
        w -= next * _onePlusMomentum + h * _minusMomentum;
        h = next;
    }
}

/// <summary>AdaGrad (keep = gain = 1) and RMSProp: h = keep·h + gain·d²; w −= rate·(d / root).</summary>
internal readonly struct AdaptiveRule(float keep, float gain, float delta, int deltaUnderRoot, float rate) : ISolverRule
{
    public int Sets => 1;

    public void Apply(ref float w, float d, ref float h, ref float h1, ref float h2)
    {
        h = h * keep + d * d * gain;
        float root = deltaUnderRoot != 0 ? XMath.Sqrt(h + delta) : XMath.Sqrt(h) + delta;
        w -= rate * (d / root);
    }
}

/// <summary>Caffe's AdaDelta with decay ρ = momentum over the gradient and update histories.</summary>
internal readonly struct AdaDeltaRule(float momentum, float delta, float rate) : ISolverRule
{
    private readonly float _gain = 1f - momentum;

    public int Sets => 2;

    public void Apply(ref float w, float d, ref float gradients, ref float updates, ref float h2)
    {
        gradients = gradients * momentum + d * d * _gain;
        float u = d * XMath.Sqrt((updates + delta) / (gradients + delta));
        updates = updates * momentum + u * u * _gain;
        w -= rate * u;
    }
}

/// <summary>Adam, or AMSGrad when <c>amsgrad</c> is 1 (the running maximum of v in the denominator).</summary>
internal readonly struct AdamRule(float beta1, float beta2, float epsilon, float correctedRate, int amsgrad) : ISolverRule
{
    private readonly float _gain1 = 1f - beta1;
    private readonly float _gain2 = 1f - beta2;

    public int Sets => amsgrad != 0 ? 3 : 2;

    public void Apply(ref float w, float d, ref float m, ref float v, ref float vMax)
    {
        m = m * beta1 + d * _gain1;
        v = v * beta2 + d * d * _gain2;
        if (amsgrad != 0) vMax = XMath.Max(vMax, v);
        w -= correctedRate * (m / (XMath.Sqrt(amsgrad != 0 ? vMax : v) + epsilon));
    }
}
