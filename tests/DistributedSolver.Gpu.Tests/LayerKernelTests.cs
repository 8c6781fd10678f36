using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>Softmax, im2col / col2im and pooling against the CPU backend, on windows with padding, strides and dilation.</summary>
public sealed class LayerKernelTests(BackendPair pair) : IClassFixture<BackendPair>
{
    public static TheoryData<int, int, int> SoftmaxShapes => new() { { 1, 3, 1 }, { 7, 10, 1 }, { 5, 4, 9 }, { 3, 13, 7 } };

    /// <summary>
    /// With inner &gt; 1 both backends loop over the channels with the C library's expf in the same
    /// order: the same bits. With inner = 1 the CPU backend calls TensorPrimitives.SoftMax, whose
    /// vectorized exp and sum differ: each exponential by a few ulps, the sum of C positive terms by
    /// the summation bound, so each probability is within (C + 4)·2u of the CPU's, relatively.
    /// </summary>
    [Theory]
    [MemberData(nameof(SoftmaxShapes))]
    public void Softmax_matches_the_cpu(int outer, int channels, int inner)
    {
        var x = pair.Put(Inputs.Uniform(outer * channels * inner, 30, -40f, 90f));
        var y = pair.Zeros(outer * channels * inner);
        pair.Run((b, v) => b.SoftmaxForward(outer, channels, inner, v(x), v(y)));
        var (expected, actual) = pair.Get(y);
        if (inner > 1) Tolerance.AssertIdentical(expected, actual);
        else Tolerance.AssertWithin(expected, actual, i => (channels + 4) * 2 * Tolerance.UnitRoundoff * Math.Abs(expected[i]));
    }

    /// <summary>
    /// Same bits with inner &gt; 1. With inner = 1 the CPU backend's dot Σ dy·y comes from
    /// TensorPrimitives.Dot in another order: off by at most 2·γ_C·Σ|dy·y|, times |y|, plus the
    /// rounding of the subtraction and product.
    /// </summary>
    [Theory]
    [MemberData(nameof(SoftmaxShapes))]
    public void Softmax_backward_matches_the_cpu(int outer, int channels, int inner)
    {
        var ys = Inputs.Uniform(outer * channels * inner, 31, 0f, 1f);
        var dys = Inputs.Uniform(outer * channels * inner, 32);
        var y = pair.Put(ys);
        var dy = pair.Put(dys);
        var dx = pair.Zeros(ys.Length);
        pair.Run((b, v) => b.SoftmaxBackward(outer, channels, inner, v(y), v(dy), v(dx)));
        var (expected, actual) = pair.Get(dx);
        if (inner > 1)
        {
            Tolerance.AssertIdentical(expected, actual);
            return;
        }
        Tolerance.AssertWithin(expected, actual, i =>
        {
            int row = i / channels;
            double dotMagnitude = Enumerable.Range(row * channels, channels).Sum(j => Math.Abs((double)dys[j] * ys[j]));
            return 2 * Tolerance.Gamma(channels) * dotMagnitude * Math.Abs(ys[i]) + 4 * Tolerance.UnitRoundoff * Math.Abs(expected[i]);
        });
    }

    [Theory]
    [MemberData(nameof(SoftmaxShapes))]
    public void Softmax_loss_gradient_gives_the_cpu_bits(int outer, int channels, int inner)
    {
        var p = pair.Put(Inputs.Uniform(outer * channels * inner, 33, 0f, 1f));
        var l = pair.Put(Inputs.Labels(outer * inner, channels, 34));
        var dx = pair.Put(Inputs.Uniform(outer * channels * inner, 35));
        foreach (int? ignore in new int?[] { null, 1 })
        {
            pair.Run((b, v) => b.SoftmaxCrossEntropyBackward(outer, channels, inner, v(p), v(l), ignore, -0.125f, v(dx)));
            pair.AssertIdentical(dx);
        }
    }

    /// <summary>Windows: plain, padded and strided, dilated, non-square with odd sizes, and pooling windows that overhang the plane.</summary>
    public static TheoryData<SpatialWindow> Windows => new()
    {
        Window(5, 5, 3, 3, 0, 0, 1, 1, 1, 1),
        Window(7, 6, 3, 2, 1, 1, 2, 2, 1, 1),
        Window(9, 8, 3, 3, 2, 1, 1, 2, 2, 2),
        Window(6, 11, 5, 3, 0, 2, 3, 1, 1, 1),
    };

    private static SpatialWindow Window(int h, int w, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw) =>
        new(h, w, kh, kw, ph, pw, sh, sw, dh, dw,
            (h + 2 * ph - (dh * (kh - 1) + 1)) / sh + 1, (w + 2 * pw - (dw * (kw - 1) + 1)) / sw + 1);

    // Pooling rounds the output size up (Caffe), and then drops a last window that starts in the padding.
    private static SpatialWindow PoolingWindow(SpatialWindow w)
    {
        int Output(int size, int kernel, int pad, int stride)
        {
            int output = (int)Math.Ceiling((double)(size + 2 * pad - kernel) / stride) + 1;
            return pad > 0 && (output - 1) * stride >= size + pad ? output - 1 : output;
        }
        int padH = Math.Min(w.PadH, w.KernelH - 1), padW = Math.Min(w.PadW, w.KernelW - 1);
        return w with
        {
            PadH = padH, PadW = padW, DilationH = 1, DilationW = 1,
            OutputH = Output(w.Height, w.KernelH, padH, w.StrideH), OutputW = Output(w.Width, w.KernelW, padW, w.StrideW),
        };
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void Im2col_and_col2im_give_the_cpu_bits(SpatialWindow window)
    {
        const int count = 2, channels = 3;
        int columnsLength = channels * window.KernelSize * count * window.OutputSize;
        var images = pair.Put(Inputs.Uniform(count * channels * window.InputSize, 36));
        var columns = pair.Put(Inputs.Uniform(columnsLength, 37));
        pair.Run((b, v) => b.Im2Col(v(images), count, channels, window, v(columns)));
        pair.AssertIdentical(columns);

        var gradient = pair.Put(Inputs.Uniform(columnsLength, 38));
        pair.Run((b, v) => b.Col2Im(v(gradient), count, channels, window, v(images)));
        pair.AssertIdentical(images);
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void Max_pooling_gives_the_cpu_bits_and_argmax(SpatialWindow convolution)
    {
        var window = PoolingWindow(convolution);
        const int planes = 3;
        // Few distinct values, so windows hold ties that the first-maximum rule must settle.
        var x = pair.Put([.. Inputs.Uniform(planes * window.InputSize, 39).Select(v => MathF.Round(v))]);
        var y = pair.Zeros(planes * window.OutputSize);
        var argmax = pair.Zeros(planes * window.OutputSize);
        pair.Run((b, v) => b.MaxPoolForward(v(x), planes, window, v(y), v(argmax)));
        pair.AssertIdentical(y);
        pair.AssertIdentical(argmax);

        var dy = pair.Put(Inputs.Uniform(planes * window.OutputSize, 40));
        var dx = pair.Put(Inputs.Uniform(planes * window.InputSize, 41));
        pair.Run((b, v) => b.MaxPoolBackward(v(dy), v(argmax), planes, window, v(dx)));
        pair.AssertIdentical(dx);
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void Average_pooling_gives_the_cpu_bits(SpatialWindow convolution)
    {
        var window = PoolingWindow(convolution);
        const int planes = 3;
        var x = pair.Put(Inputs.Uniform(planes * window.InputSize, 42));
        var y = pair.Zeros(planes * window.OutputSize);
        pair.Run((b, v) => b.AveragePoolForward(v(x), planes, window, v(y)));
        pair.AssertIdentical(y);

        var dy = pair.Put(Inputs.Uniform(planes * window.OutputSize, 43));
        var dx = pair.Put(Inputs.Uniform(planes * window.InputSize, 44));
        pair.Run((b, v) => b.AveragePoolBackward(v(dy), planes, window, v(dx)));
        pair.AssertIdentical(dx);
    }
}
