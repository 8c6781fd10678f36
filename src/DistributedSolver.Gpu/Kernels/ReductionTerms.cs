using ILGPU;
using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

internal readonly struct SumTerm : IElementTerm
{
    public bool Counts(float a, float b) => true;

    public float Value(float a, float b) => a;
}

internal readonly struct DotTerm : IElementTerm
{
    public bool Counts(float a, float b) => true;

    public float Value(float a, float b) => a * b;
}

internal readonly struct SquareTerm : IElementTerm
{
    public bool Counts(float a, float b) => true;

    public float Value(float a, float b) => a * a;
}

internal readonly struct MagnitudeTerm : IElementTerm
{
    public bool Counts(float a, float b) => true;

    public float Value(float a, float b) => XMath.Abs(a);
}

/// <summary>Caffe's stable logistic loss of logit a against target b, where b is not the ignored label.</summary>
internal readonly struct SigmoidCrossEntropyTerm(int hasIgnore, int ignore) : IElementTerm
{
    public bool Counts(float a, float b) => hasIgnore == 0 || (int)b != ignore;

    public float Value(float a, float b)
    {
        float positive = a >= 0f ? 1f : 0f;
        return -(a * (b - positive) - XMath.Log(1f + XMath.Exp(a - 2f * a * positive)));
    }
}

/// <summary>Keras's binary cross-entropy of probability a against target b, with a clipped to [ε, 1 − ε].</summary>
internal readonly struct BinaryCrossEntropyTerm(float epsilon) : IElementTerm
{
    public bool Counts(float a, float b) => true;

    public float Value(float a, float b)
    {
        float p = XMath.Min(XMath.Max(a, epsilon), 1f - epsilon);
        return -(b * XMath.Log(p) + (1f - b) * XMath.Log(1f - p));
    }
}

/// <summary>Counts the elements where the thresholded probability a equals the target b.</summary>
internal readonly struct BinaryAccuracyTerm(float threshold) : IElementTerm
{
    public bool Counts(float a, float b) => (a > threshold ? 1f : 0f) == b;

    public float Value(float a, float b) => 0f;
}

/// <summary>−log(max(p[label], FLT_MIN)), Caffe's floor under a probability before its log.</summary>
internal readonly struct SoftmaxLossTerm : IPositionTerm
{
    private const float FltMin = 1.17549435e-38f;

    public float Value(ArrayView<float> scores, int first, int channels, int inner, int label) =>
        -XMath.Log(XMath.Max(scores[first + label * inner], FltMin));
}

/// <summary>
/// 1 for a top-k hit, else 0. Caffe's rule: a hit when fewer than k other classes score at least
/// the label's score (a tie counts against the label); the label's own class starts the count at −1.
/// </summary>
internal readonly struct TopKHitTerm(int topK) : IPositionTerm
{
    public float Value(ArrayView<float> scores, int first, int channels, int inner, int label)
    {
        float target = scores[first + label * inner];
        int better = -1;
        for (int c = 0; c < channels && better < topK; c++)
            if (scores[first + c * inner] >= target) better++;
        return better < topK ? 1f : 0f;
    }
}
