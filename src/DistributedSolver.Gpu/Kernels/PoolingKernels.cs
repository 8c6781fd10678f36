using DistributedSolver.Backend;
using ILGPU;
using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// Caffe's MAX and AVE pooling. Forward: one lane per output, reading its window in row-major
/// order. Backward: one lane per input, adding the gradients of the outputs whose windows hold it
/// in output order, which is the order the CPU backend scatters them in: the same bits, no atomics.
/// </summary>
internal static class PoolingKernels
{
    public static void MaxForward(Index1D lane, int stride, int planes, SpatialWindow w,
        ArrayView<float> x, ArrayView<float> y, ArrayView<float> argmax)
    {
        for (int e = lane; e < planes * w.OutputSize; e += stride)
        {
            int plane = e / w.OutputSize, output = e % w.OutputSize;
            var rows = PoolingExtent.Of(output / w.OutputW, w.StrideH, w.PadH, w.KernelH, w.Height);
            var columns = PoolingExtent.Of(output % w.OutputW, w.StrideW, w.PadW, w.KernelW, w.Width);
            int origin = plane * w.InputSize;
            // The CPU backend's rule: start from the window's first element, keep the first strict maximum.
            int best = rows.Start * w.Width + columns.Start;
            float max = x[origin + best];
            for (int h = rows.Start; h < rows.End; h++)
            {
                for (int index = h * w.Width + columns.Start; index < h * w.Width + columns.End; index++)
                {
                    if (x[origin + index] > max)
                    {
                        max = x[origin + index];
                        best = index;
                    }
                }
            }
            y[e] = max;
            argmax[e] = best;
        }
    }

    public static void MaxBackward(Index1D lane, int stride, int planes, SpatialWindow w,
        ArrayView<float> dy, ArrayView<float> argmax, ArrayView<float> dx)
    {
        for (int e = lane; e < planes * w.InputSize; e += stride)
        {
            int plane = e / w.InputSize, position = e % w.InputSize;
            var rows = PoolingExtent.Covering(position / w.Width, w.StrideH, w.PadH, w.KernelH, w.OutputH);
            var columns = PoolingExtent.Covering(position % w.Width, w.StrideW, w.PadW, w.KernelW, w.OutputW);
            float sum = 0f;
            for (int ph = rows.Start; ph < rows.End; ph++)
            {
                for (int pw = columns.Start; pw < columns.End; pw++)
                {
                    int output = plane * w.OutputSize + ph * w.OutputW + pw;
                    if ((int)argmax[output] == position) sum += dy[output];
                }
            }
            dx[e] = sum;
        }
    }

    public static void AverageForward(Index1D lane, int stride, int planes, SpatialWindow w, ArrayView<float> x, ArrayView<float> y)
    {
        for (int e = lane; e < planes * w.OutputSize; e += stride)
        {
            int plane = e / w.OutputSize, output = e % w.OutputSize;
            var rows = PoolingExtent.Of(output / w.OutputW, w.StrideH, w.PadH, w.KernelH, w.Height);
            var columns = PoolingExtent.Of(output % w.OutputW, w.StrideW, w.PadW, w.KernelW, w.Width);
            int origin = plane * w.InputSize;
            float sum = 0f;
            for (int h = rows.Start; h < rows.End; h++)
                for (int index = h * w.Width + columns.Start; index < h * w.Width + columns.End; index++)
                    sum += x[origin + index];
            y[e] = sum / (rows.Padded * columns.Padded);
        }
    }

    public static void AverageBackward(Index1D lane, int stride, int planes, SpatialWindow w, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int e = lane; e < planes * w.InputSize; e += stride)
        {
            int plane = e / w.InputSize, position = e % w.InputSize;
            var rows = PoolingExtent.Covering(position / w.Width, w.StrideH, w.PadH, w.KernelH, w.OutputH);
            var columns = PoolingExtent.Covering(position % w.Width, w.StrideW, w.PadW, w.KernelW, w.OutputW);
            float sum = 0f;
            for (int ph = rows.Start; ph < rows.End; ph++)
            {
                int rowSize = PoolingExtent.Of(ph, w.StrideH, w.PadH, w.KernelH, w.Height).Padded;
                for (int pw = columns.Start; pw < columns.End; pw++)
                {
                    int size = rowSize * PoolingExtent.Of(pw, w.StrideW, w.PadW, w.KernelW, w.Width).Padded;
                    sum += dy[plane * w.OutputSize + ph * w.OutputW + pw] / size;
                }
            }
            dx[e] = sum;
        }
    }
}

/// <summary>A range [Start, End) along one axis, and for a window, AVE's extent clipped to the padded plane only.</summary>
internal readonly struct PoolingExtent(int start, int end, int padded)
{
    public int Start { get; } = start;
    public int End { get; } = end;
    public int Padded { get; } = padded;

    /// <summary>Caffe's window of output o: the inputs inside the plane, and its padded extent.</summary>
    public static PoolingExtent Of(int o, int stride, int pad, int kernel, int size)
    {
        int start = o * stride - pad;
        int end = XMath.Min(start + kernel, size + pad);
        return new PoolingExtent(XMath.Max(start, 0), XMath.Min(end, size), end - start);
    }

    /// <summary>The outputs whose windows hold input <paramref name="i"/> (Caffe's phstart / phend).</summary>
    public static PoolingExtent Covering(int i, int stride, int pad, int kernel, int outputs)
    {
        int start = i + pad < kernel ? 0 : (i + pad - kernel) / stride + 1;
        return new PoolingExtent(start, XMath.Min((i + pad) / stride + 1, outputs), 0);
    }
}
