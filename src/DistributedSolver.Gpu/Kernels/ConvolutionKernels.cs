using DistributedSolver.Backend;
using ILGPU;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// im2col and col2im (see <see cref="IComputeBackend.Im2Col"/>). col2im gathers: each image
/// element adds the entries read from it in tap order, the order the CPU backend scatters them in,
/// so both give the same bits with no atomics.
/// </summary>
internal static class ConvolutionKernels
{
    public static void Im2Col(Index1D lane, int stride, int count, int channels, SpatialWindow w,
        ArrayView<float> images, ArrayView<float> columns)
    {
        int rowLength = count * w.OutputSize;
        int total = channels * w.KernelSize * rowLength;
        for (int e = lane; e < total; e += stride)
        {
            int row = e / rowLength, column = e % rowLength;
            int c = row / w.KernelSize, tap = row % w.KernelSize;
            int n = column / w.OutputSize, output = column % w.OutputSize;
            int h = output / w.OutputW * w.StrideH - w.PadH + tap / w.KernelW * w.DilationH;
            int x = output % w.OutputW * w.StrideW - w.PadW + tap % w.KernelW * w.DilationW;
            bool inside = h >= 0 && h < w.Height && x >= 0 && x < w.Width;
            columns[e] = inside ? images[(n * channels + c) * w.InputSize + h * w.Width + x] : 0f;
        }
    }

    public static void Col2Im(Index1D lane, int stride, int count, int channels, SpatialWindow w,
        ArrayView<float> columns, ArrayView<float> images)
    {
        int rowLength = count * w.OutputSize;
        int total = count * channels * w.InputSize;
        for (int e = lane; e < total; e += stride)
        {
            int plane = e / w.InputSize, position = e % w.InputSize;
            int n = plane / channels, c = plane % channels;
            int h = position / w.Width, x = position % w.Width;
            float sum = 0f;
            for (int tap = 0; tap < w.KernelSize; tap++)
            {
                // The output (oh, ow) whose tap reads (h, x), if the strides land on it.
                int rowOffset = h + w.PadH - tap / w.KernelW * w.DilationH;
                int columnOffset = x + w.PadW - tap % w.KernelW * w.DilationW;
                if (rowOffset < 0 || columnOffset < 0 || rowOffset % w.StrideH != 0 || columnOffset % w.StrideW != 0) continue;
                int oh = rowOffset / w.StrideH, ow = columnOffset / w.StrideW;
                if (oh >= w.OutputH || ow >= w.OutputW) continue;
                sum += columns[(c * w.KernelSize + tap) * rowLength + n * w.OutputSize + oh * w.OutputW + ow];
            }
            images[e] = sum;
        }
    }
}
