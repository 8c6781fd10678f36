using ILGPU;
using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>Softmax over the channel axis of an (outer, channels, inner) array: one lane per (outer, inner) position.</summary>
internal static class SoftmaxKernels
{
    public static void Forward(Index1D lane, int stride, int outer, int channels, int inner, ArrayView<float> x, ArrayView<float> y)
    {
        for (int position = lane; position < outer * inner; position += stride)
        {
            int first = position / inner * channels * inner + position % inner;
            // Caffe subtracts the maximum first, so exp cannot overflow.
            float max = float.NegativeInfinity;
            for (int c = 0; c < channels; c++) max = XMath.Max(max, x[first + c * inner]);
            float sum = 0f;
            for (int c = 0; c < channels; c++)
            {
                float e = XMath.Exp(x[first + c * inner] - max);
                y[first + c * inner] = e;
                sum += e;
            }
            for (int c = 0; c < channels; c++) y[first + c * inner] /= sum;
        }
    }

    /// <summary>dx = (dy − Σ_c dy·y)·y; dx may be dy's storage, so the dot is taken before dx is written.</summary>
    public static void Backward(Index1D lane, int stride, int outer, int channels, int inner,
        ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int position = lane; position < outer * inner; position += stride)
        {
            int first = position / inner * channels * inner + position % inner;
            float dot = 0f;
            for (int c = 0; c < channels; c++) dot += dy[first + c * inner] * y[first + c * inner];
            for (int c = 0; c < channels; c++) dx[first + c * inner] = (dy[first + c * inner] - dot) * y[first + c * inner];
        }
    }

    /// <summary>
    /// dx = scale·(p − onehot(label)), 0 at ignored positions. A label outside the channels subtracts
    /// nothing: the forward loss, which runs first, refuses it.
    /// </summary>
    public static void LossBackward(Index1D lane, int stride, int outer, int channels, int inner,
        ArrayView<float> p, ArrayView<float> labels, int hasIgnore, int ignore, float scale, ArrayView<float> dx)
    {
        for (int position = lane; position < outer * inner; position += stride)
        {
            int first = position / inner * channels * inner + position % inner;
            int label = (int)labels[position];
            bool ignored = hasIgnore != 0 && label == ignore;
            for (int c = 0; c < channels; c++)
            {
                float value = ignored ? 0f : c == label ? p[first + c * inner] - 1f : p[first + c * inner];
                dx[first + c * inner] = value * scale;
            }
        }
    }
}
