using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>
/// Convolution against a direct convolution written here from the definition (a sum over the
/// window, zero outside the image), and its gradients against finite differences.
/// </summary>
public sealed class ConvolutionLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 2 });

    public void Dispose() => _backend.Dispose();

    /// <summary>The geometry of one case; square fields go through kernel_size/pad/stride, others through the _h/_w pairs.</summary>
    public sealed record Geometry(int Channels, int Outputs, int Height, int Width, int KernelH, int KernelW,
        int PadH = 0, int PadW = 0, int StrideH = 1, int StrideW = 1, int Dilation = 1, int Group = 1, bool Bias = true)
    {
        public int ExtentH => Dilation * (KernelH - 1) + 1;
        public int ExtentW => Dilation * (KernelW - 1) + 1;
        public int OutputH => (Height + 2 * PadH - ExtentH) / StrideH + 1;
        public int OutputW => (Width + 2 * PadW - ExtentW) / StrideW + 1;

        public override string ToString() =>
            $"C{Channels} M{Outputs} {Height}x{Width} k{KernelH}x{KernelW} p{PadH},{PadW} s{StrideH},{StrideW} d{Dilation} g{Group}{(Bias ? "" : " nobias")}";
    }

    public static TheoryData<Geometry> Geometries =>
    [
        new(Channels: 3, Outputs: 4, Height: 7, Width: 6, KernelH: 3, KernelW: 3),
        new(Channels: 2, Outputs: 3, Height: 7, Width: 7, KernelH: 3, KernelW: 3, PadH: 1, PadW: 1, StrideH: 2, StrideW: 2),
        new(Channels: 2, Outputs: 2, Height: 8, Width: 7, KernelH: 3, KernelW: 2, PadH: 2, PadW: 2, Dilation: 2),
        new(Channels: 4, Outputs: 6, Height: 6, Width: 7, KernelH: 2, KernelW: 3, PadH: 1, PadW: 0, StrideH: 2, StrideW: 1, Group: 2),
        new(Channels: 3, Outputs: 2, Height: 5, Width: 4, KernelH: 1, KernelW: 1, Bias: false),
    ];

    internal static LayerParameter Parameter(Geometry g)
    {
        var p = new ConvolutionParameter
        {
            NumOutput = (uint)g.Outputs,
            BiasTerm = g.Bias,
            Group = (uint)g.Group,
            WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.5f },
            BiasFiller = new FillerParameter { Type = "uniform", Min = -0.5f, Max = 0.5f },
        };
        if (g.KernelH == g.KernelW) p.KernelSize.Add((uint)g.KernelH);
        else (p.KernelH, p.KernelW) = ((uint)g.KernelH, (uint)g.KernelW);
        if (g.PadH == g.PadW) p.Pad.Add((uint)g.PadH);
        else (p.PadH, p.PadW) = ((uint)g.PadH, (uint)g.PadW);
        if (g.StrideH == g.StrideW) p.Stride.Add((uint)g.StrideH);
        else (p.StrideH, p.StrideW) = ((uint)g.StrideH, (uint)g.StrideW);
        if (g.Dilation != 1) p.Dilation.Add((uint)g.Dilation);
        return new LayerParameter { Name = "conv", Type = "Convolution", ConvolutionParam = p };
    }

    // x (n, c, h, w) → the value read by output (oh, ow) at tap (i, j), or 0 in the padding.
    private static double Input(float[] x, Geometry g, int n, int c, int oh, int ow, int i, int j)
    {
        int ih = oh * g.StrideH - g.PadH + i * g.Dilation, iw = ow * g.StrideW - g.PadW + j * g.Dilation;
        if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) return 0;
        return x[((n * g.Channels + c) * g.Height + ih) * g.Width + iw];
    }

    /// <summary>The direct definition: y[n,m,oh,ow] = b[m] + Σ over the group's channels and taps of W·x.</summary>
    internal static double[] DirectForward(float[] x, float[] w, float[]? bias, Geometry g, int num)
    {
        int cg = g.Channels / g.Group, mg = g.Outputs / g.Group;
        var y = new double[num * g.Outputs * g.OutputH * g.OutputW];
        int index = 0;
        for (int n = 0; n < num; n++)
        for (int m = 0; m < g.Outputs; m++)
        for (int oh = 0; oh < g.OutputH; oh++)
        for (int ow = 0; ow < g.OutputW; ow++)
        {
            double sum = bias?[m] ?? 0;
            for (int c = 0; c < cg; c++)
            for (int i = 0; i < g.KernelH; i++)
            for (int j = 0; j < g.KernelW; j++)
                sum += w[((m * cg + c) * g.KernelH + i) * g.KernelW + j] * Input(x, g, n, m / mg * cg + c, oh, ow, i, j);
            y[index++] = sum;
        }
        return y;
    }

    /// <summary>The direct weight gradient: dW[m,c,i,j] = Σ over images and outputs of dy·x at the tap.</summary>
    private static double[] DirectWeightGradient(float[] x, float[] dy, Geometry g, int num)
    {
        int cg = g.Channels / g.Group, mg = g.Outputs / g.Group;
        var dw = new double[g.Outputs * cg * g.KernelH * g.KernelW];
        for (int m = 0; m < g.Outputs; m++)
        for (int c = 0; c < cg; c++)
        for (int i = 0; i < g.KernelH; i++)
        for (int j = 0; j < g.KernelW; j++)
        {
            double sum = 0;
            for (int n = 0; n < num; n++)
            for (int oh = 0; oh < g.OutputH; oh++)
            for (int ow = 0; ow < g.OutputW; ow++)
                sum += dy[((n * g.Outputs + m) * g.OutputH + oh) * g.OutputW + ow] * Input(x, g, n, m / mg * cg + c, oh, ow, i, j);
            dw[((m * cg + c) * g.KernelH + i) * g.KernelW + j] = sum;
        }
        return dw;
    }

    private (ConvolutionLayer Layer, Blob Bottom, Blob Top) SetUp(Geometry g, int num, int seed)
    {
        var layer = new ConvolutionLayer(Parameter(g), _backend);
        var bottom = Gaussian(_backend, "x", [num, g.Channels, g.Height, g.Width], seed);
        var top = Empty("y");
        GradientChecker.SetUp(layer, [bottom], [top], _backend, seed: seed + 1);
        return (layer, bottom, top);
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])),
                $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_equals_the_direct_convolution(Geometry g)
    {
        var (layer, bottom, top) = SetUp(g, num: 3, seed: 11);
        Assert.Equal([3, g.Outputs, g.OutputH, g.OutputW], top.Shape);
        Assert.Equal([g.Outputs, g.Channels / g.Group, g.KernelH, g.KernelW], layer.Parameters[0].Shape);
        layer.Forward([bottom], [top]);
        var bias = g.Bias ? Read(_backend, layer.Parameters[1].Data) : null;
        var expected = DirectForward(Read(_backend, bottom.Data), Read(_backend, layer.Parameters[0].Data), bias, g, 3);
        AssertClose(expected, Read(_backend, top.Data));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Gradients_match_finite_differences(Geometry g)
    {
        var (layer, bottom, top) = SetUp(g, num: 2, seed: 21);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, [bottom], [top], [0]);
        Assert.True(checker.Checked > bottom.Count);
    }

    [Fact]
    public void A_batch_of_several_chunks_gives_the_direct_values_and_weight_gradient()
    {
        // 9 taps × 38² outputs per image: the 4 M-float column budget holds 322 images, so 700
        // images run as three chunks (322, 322, 56) whose gradients add up.
        var g = new Geometry(Channels: 1, Outputs: 2, Height: 40, Width: 40, KernelH: 3, KernelW: 3);
        const int num = 700;
        var (layer, bottom, top) = SetUp(g, num, seed: 31);
        layer.Forward([bottom], [top]);
        var x = Read(_backend, bottom.Data);
        var w = Read(_backend, layer.Parameters[0].Data);
        AssertClose(DirectForward(x, w, Read(_backend, layer.Parameters[1].Data), g, num), Read(_backend, top.Data));

        var dy = Enumerable.Range(0, top.Count).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        _backend.Upload(dy, top.Diff);
        layer.Backward([top], [true], [bottom]);
        AssertClose(DirectWeightGradient(x, dy, g, num), Read(_backend, layer.Parameters[0].Diff), 1e-3);
        double[] biasGradient = [.. Enumerable.Range(0, g.Outputs).Select(m =>
            Enumerable.Range(0, num).Sum(n => dy.Skip((n * g.Outputs + m) * g.OutputH * g.OutputW).Take(g.OutputH * g.OutputW).Sum(v => (double)v)))];
        AssertClose(biasGradient, Read(_backend, layer.Parameters[1].Diff), 1e-3);
    }

    [Fact]
    public void A_second_backward_after_one_forward_gives_the_same_bottom_gradient()
    {
        // Backward reuses forward's columns while they hold the bottom, then overwrites them with
        // the column gradient: the second pass must rebuild them.
        var g = new Geometry(Channels: 2, Outputs: 3, Height: 6, Width: 6, KernelH: 3, KernelW: 3, PadH: 1, PadW: 1);
        var (layer, bottom, top) = SetUp(g, num: 2, seed: 51);
        layer.Forward([bottom], [top]);
        _backend.Upload(Read(_backend, top.Data), top.Diff);
        layer.Backward([top], [true], [bottom]);
        var first = Read(_backend, bottom.Diff);
        var weightGradient = Read(_backend, layer.Parameters[0].Diff);
        layer.Backward([top], [true], [bottom]);
        Assert.Equal(first, Read(_backend, bottom.Diff));
        // Parameter gradients accumulate, as in Caffe: twice the first pass's.
        Assert.Equal(weightGradient.Select(v => 2 * v), Read(_backend, layer.Parameters[0].Diff));
    }

    [Fact]
    public void The_gradient_has_the_same_bits_on_one_and_two_threads()
    {
        var g = new Geometry(Channels: 8, Outputs: 16, Height: 12, Width: 12, KernelH: 5, KernelW: 5, PadH: 2, PadW: 2);
        float[] Gradients(int threads)
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
            var layer = new ConvolutionLayer(Parameter(g), backend);
            var bottom = Gaussian(backend, "x", [32, g.Channels, g.Height, g.Width], seed: 41);
            var top = Empty("y");
            GradientChecker.SetUp(layer, [bottom], [top], backend, seed: 42);
            layer.Forward([bottom], [top]);
            backend.Upload(Read(backend, top.Data), top.Diff);
            layer.Backward([top], [true], [bottom]);
            return [.. Read(backend, layer.Parameters[0].Diff), .. Read(backend, layer.Parameters[1].Diff), .. Read(backend, bottom.Diff)];
        }
        var one = Gradients(1);
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), Gradients(2).Select(BitConverter.SingleToInt32Bits));
        Assert.Contains(one, v => v != 0f);
    }
}
