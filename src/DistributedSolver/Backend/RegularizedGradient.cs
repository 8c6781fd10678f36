namespace DistributedSolver.Backend;

/// <summary>Caffe's <c>regularization_type</c>: what <c>weight_decay</c> multiplies.</summary>
public enum Regularization
{
    /// <summary>decay·w.</summary>
    L2,

    /// <summary>decay·sign(w), with sign(0) = 0 (Caffe's caffe_cpu_sign).</summary>
    L1,
}

/// <summary>
/// The value every solver kernel feeds its rule with, Caffe's Normalize and Regularize fused into
/// the kernel's pass: d = Scale·g + Decay·R(w), R(w) = w (L2) or sign(w) (L1). Scale folds the
/// clip_gradients factor and 1/iter_size; Decay is weight_decay × decay_mult.
/// </summary>
public readonly record struct RegularizedGradient(float Scale, float Decay, Regularization Regularization);
