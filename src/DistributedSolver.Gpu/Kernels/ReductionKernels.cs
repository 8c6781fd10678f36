using ILGPU;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>What an elementwise reduction adds up: a value per counted element of (a, b).</summary>
internal interface IElementTerm
{
    bool Counts(float a, float b);

    float Value(float a, float b);
}

/// <summary>What a reduction over (outer, inner) positions adds up for a position with a valid label.</summary>
internal interface IPositionTerm
{
    /// <param name="scores">The (outer, channels, inner) array.</param>
    /// <param name="first">The index of the position's channel 0.</param>
    float Value(ArrayView<float> scores, int first, int channels, int inner, int label);
}

/// <summary>
/// Deterministic reductions without float atomics: a fixed number of lanes (a function of the
/// length alone, never of the device) each add their elements in index order into one partial;
/// the host adds the partials in lane order. So every device and every launch gives the same bits.
/// </summary>
internal static class ReductionKernels
{
    public static void Elements<TTerm>(Index1D lane, int lanes, ArrayView<float> a, ArrayView<float> b,
        ArrayView<float> sums, ArrayView<int> counts, TTerm term) where TTerm : struct, IElementTerm
    {
        float sum = 0f;
        int count = 0;
        for (int i = lane; i < a.IntLength; i += lanes)
        {
            if (!term.Counts(a[i], b[i])) continue;
            sum += term.Value(a[i], b[i]);
            count++;
        }
        sums[lane] = sum;
        counts[lane] = count;
    }

    /// <summary>
    /// Over the positions whose label is not the ignored one; a label outside [0, channels) is
    /// counted in <paramref name="bad"/> and skipped, so the host can refuse it.
    /// </summary>
    public static void Positions<TTerm>(Index1D lane, int lanes, int positions, int channels, int inner,
        ArrayView<float> scores, ArrayView<float> labels, int hasIgnore, int ignore,
        ArrayView<float> sums, ArrayView<int> counts, ArrayView<int> bad, TTerm term) where TTerm : struct, IPositionTerm
    {
        float sum = 0f;
        int count = 0, invalid = 0;
        for (int position = lane; position < positions; position += lanes)
        {
            int label = (int)labels[position];
            if (hasIgnore != 0 && label == ignore) continue;
            if (label < 0 || label >= channels)
            {
                invalid++;
                continue;
            }
            int o = position / inner, i = position % inner;
            sum += term.Value(scores, o * channels * inner + i, channels, inner, label);
            count++;
        }
        sums[lane] = sum;
        counts[lane] = count;
        bad[lane] = invalid;
    }
}
