using DistributedSolver.Backend;
using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

// The solver updates: one fused kernel per rule and parameter buffer (see SolverKernels).
public sealed partial class IlgpuBackend
{
    public void SgdUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate) =>
        Update(new SgdRule(momentum, rate), d, weights, gradient, history);

    public void NesterovUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate) =>
        Update(new NesterovRule(momentum, rate), d, weights, gradient, history);

    // AdaGrad is RMSProp's pass with the history kept whole: h·1 + d²·1 is h + d² to the bit.
    public void AdaGradUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float delta, bool deltaUnderRoot, float rate) =>
        Update(new AdaptiveRule(1f, 1f, delta, deltaUnderRoot ? 1 : 0, rate), d, weights, gradient, history);

    public void RmsPropUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float rmsDecay, float delta, bool deltaUnderRoot, float rate) =>
        Update(new AdaptiveRule(rmsDecay, 1f - rmsDecay, delta, deltaUnderRoot ? 1 : 0, rate), d, weights, gradient, history);

    public void AdaDeltaUpdate(BufferView weights, BufferView gradient, BufferView gradientHistory, BufferView updateHistory,
        RegularizedGradient d, float momentum, float delta, float rate) =>
        Update(new AdaDeltaRule(momentum, delta, rate), d, weights, gradient, gradientHistory, updateHistory);

    public void AdamUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate) =>
        Update(new AdamRule(beta1, beta2, epsilon, correctedRate, amsgrad: 0), d, weights, gradient, mean, variance);

    public void AmsGradUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance, BufferView maxVariance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate) =>
        Update(new AdamRule(beta1, beta2, epsilon, correctedRate, amsgrad: 1), d, weights, gradient, mean, variance, maxVariance);

    private void Update<TRule>(TRule rule, RegularizedGradient d, BufferView weights, BufferView gradient,
        params ReadOnlySpan<BufferView> histories) where TRule : struct, ISolverRule
    {
        if (d.Regularization is not (Regularization.L2 or Regularization.L1))
            throw new ArgumentOutOfRangeException(nameof(d), $"unknown regularization {d.Regularization}");
        int length = weights.Length;
        if (gradient.Length != length)
            throw new ArgumentException($"gradient of {gradient.Length} values for {length} weights", nameof(gradient));
        foreach (var history in histories)
            if (history.Length != length)
                throw new ArgumentException($"history of {history.Length} values for {length} weights", nameof(histories));
        int lanes = Lanes(length);
        if (lanes == 0) return;
        var kernel = _kernels.Get(nameof(SolverKernels.Update), typeof(TRule), static a =>
            a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                RegularizedGradient, TRule>(SolverKernels.Update));
        // A rule never touches the history views it does not keep.
        kernel(lanes, lanes, V(weights), V(gradient),
            histories.Length > 0 ? V(histories[0]) : default,
            histories.Length > 1 ? V(histories[1]) : default,
            histories.Length > 2 ? V(histories[2]) : default,
            d, rule);
    }
}
