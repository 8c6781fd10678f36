using DistributedSolver.Backend;
using ILGPU;

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
            var window = PoolingWindow.OfOutput(e, w);
            // The CPU backend's rule: start from the window's first element, keep the first strict maximum.
            int best = window.Rows.Start * w.Width + window.Columns.Start;
            float max = x[window.Origin + best];
            for (int h = window.Rows.Start; h < window.Rows.End; h++)
            {
                for (int index = h * w.Width + window.Columns.Start; index < h * w.Width + window.Columns.End; index++)
                {
                    if (x[window.Origin + index] > max)
                    {
                        max = x[window.Origin + index];
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
            var window = PoolingWindow.CoveringInput(e, w);
            float sum = 0f;
            for (int ph = window.Rows.Start; ph < window.Rows.End; ph++)
            {
                for (int pw = window.Columns.Start; pw < window.Columns.End; pw++)
                {
                    int output = window.Origin + ph * w.OutputW + pw;
                    if ((int)argmax[output] == e % w.InputSize) sum += dy[output];
                }
            }
            dx[e] = sum;
        }
    }

    public static void AverageForward(Index1D lane, int stride, int planes, SpatialWindow w, ArrayView<float> x, ArrayView<float> y)
    {
        for (int e = lane; e < planes * w.OutputSize; e += stride)
        {
            var window = PoolingWindow.OfOutput(e, w);
            float sum = 0f;
            for (int h = window.Rows.Start; h < window.Rows.End; h++)
                for (int index = h * w.Width + window.Columns.Start; index < h * w.Width + window.Columns.End; index++)
                    sum += x[window.Origin + index];
            y[e] = sum / (window.Rows.Padded * window.Columns.Padded);
        }
    }

    public static void AverageBackward(Index1D lane, int stride, int planes, SpatialWindow w, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int e = lane; e < planes * w.InputSize; e += stride)
        {
            var window = PoolingWindow.CoveringInput(e, w);
            float sum = 0f;
            for (int ph = window.Rows.Start; ph < window.Rows.End; ph++)
            {
                int rowSize = PoolingExtent.Of(ph, w.StrideH, w.PadH, w.KernelH, w.Height).Padded;
                for (int pw = window.Columns.Start; pw < window.Columns.End; pw++)
                {
                    int size = rowSize * PoolingExtent.Of(pw, w.StrideW, w.PadW, w.KernelW, w.Width).Padded;
                    sum += dy[window.Origin + ph * w.OutputW + pw] / size;
                }
            }
            dx[e] = sum;
        }
    }
}
