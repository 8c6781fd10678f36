using ILGPU;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// The kernels that compute every element alone. Grid-stride: <c>stride</c> lanes walk the array,
/// so a launch never asks for more threads than the device runs at once (the CPU accelerator pays
/// per simulated thread), and the lane count cannot change a bit.
/// </summary>
internal static class ElementwiseKernels
{
    /// <summary>y[i] = op(a[i], b[i]).</summary>
    public static void Map<TOp>(Index1D lane, int stride, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, TOp op)
        where TOp : struct, IElementwise
    {
        for (int i = lane; i < y.IntLength; i += stride)
            y[i] = op.Apply(a[i], b[i]);
    }

    /// <summary>y[i] = x[i]·scale where element i's draw from stream <paramref name="key"/> is at least <paramref name="ratio"/>, else 0.</summary>
    public static void Dropout(Index1D lane, int stride, ArrayView<float> x, ArrayView<float> y, ulong key, float ratio, float scale)
    {
        // The core's own counter-based draw, compiled into the kernel: the mask has the CPU's bits.
        for (int i = lane; i < y.IntLength; i += stride)
            y[i] = Randomness.DeterministicSeed.Uniform(key, i) >= ratio ? x[i] * scale : 0f;
    }

    /// <summary>One bottom of Eltwise MAX (see <see cref="Backend.IComputeBackend.EltwiseMaxForward"/>).</summary>
    public static void EltwiseMax(Index1D lane, int stride, ArrayView<float> x, int index, ArrayView<float> y, ArrayView<float> argmax)
    {
        for (int i = lane; i < y.IntLength; i += stride)
        {
            bool takes = index == 0 || (index == 1 ? !(y[i] > x[i]) : x[i] > y[i]);
            if (!takes) continue;
            y[i] = x[i];
            argmax[i] = index;
        }
    }

    /// <summary>Run b of <paramref name="length"/> floats from source[b·sourceStride] to destination[b·destinationStride].</summary>
    public static void CopyBlocks(Index1D lane, int stride, int blocks, int length,
        ArrayView<float> source, int sourceStride, ArrayView<float> destination, int destinationStride)
    {
        for (int e = lane; e < blocks * length; e += stride)
        {
            int b = e / length, j = e % length;
            destination[b * destinationStride + j] = source[b * sourceStride + j];
        }
    }

    /// <summary>y[c, r, :] = x[r, c, :] for x of shape (rows, cols, block).</summary>
    public static void TransposeBlocks(Index1D lane, int stride, int rows, int cols, int block, ArrayView<float> x, ArrayView<float> y)
    {
        for (int e = lane; e < rows * cols * block; e += stride)
        {
            int item = e / block, j = e % block;
            int r = item / cols, c = item % cols;
            y[(c * rows + r) * block + j] = x[e];
        }
    }
}
