using DistributedSolver.Backend;
using ILGPU;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// One fused pass per update rule: read the weight, gradient and history, form
/// d = Scale·g + Decay·R(w), apply the rule, write the weight and history back. The rule struct
/// specializes the kernel, so each solver type is its own kernel with no call per element.
/// </summary>
internal static class SolverKernels
{
    public static void Update<TRule>(Index1D lane, int stride, ArrayView<float> weights, ArrayView<float> gradient,
        ArrayView<float> h0, ArrayView<float> h1, ArrayView<float> h2, RegularizedGradient d, TRule rule)
        where TRule : struct, ISolverRule
    {
        for (int i = lane; i < weights.IntLength; i += stride)
        {
            float w = weights[i];
            // Caffe's caffe_cpu_sign for L1: (0 < w) − (w < 0).
            float r = d.Regularization == Regularization.L1 ? (w > 0f ? 1f : w < 0f ? -1f : 0f) : w;
            float di = gradient[i] * d.Scale + r * d.Decay;
            float a = rule.Sets > 0 ? h0[i] : 0f;
            float b = rule.Sets > 1 ? h1[i] : 0f;
            float c = rule.Sets > 2 ? h2[i] : 0f;
            rule.Apply(ref w, di, ref a, ref b, ref c);
            weights[i] = w;
            if (rule.Sets > 0) h0[i] = a;
            if (rule.Sets > 1) h1[i] = b;
            if (rule.Sets > 2) h2[i] = c;
        }
    }
}
