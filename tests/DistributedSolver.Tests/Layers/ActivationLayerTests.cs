using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>Sigmoid, TanH, Softmax and the ReLU family: values from their definitions, gradients against finite differences.</summary>
public sealed class ActivationLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private static LayerParameter Layer(string type) => new() { Name = type.ToLowerInvariant(), Type = type };

    private static LayerParameter Relu(float slope = 0f, float? maxValue = null, float? threshold = null)
    {
        var p = new ReLUParameter { NegativeSlope = slope };
        if (maxValue is { } max) p.MaxValue = max;
        if (threshold is { } t) p.Threshold = t;
        return new LayerParameter { Name = "relu", Type = "ReLU", ReluParam = p };
    }

    private (float[] Y, float[] Dx) ForwardBackward(Layer layer, float[] x, float[] dy, bool inPlace = false)
    {
        var bottom = Values(_backend, "x", [x.Length], x);
        var top = inPlace ? bottom : Empty("y");
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        layer.Forward([bottom], [top]);
        var y = Read(_backend, top.Data);
        _backend.Upload(dy, top.Diff);
        layer.Backward([top], [true], [bottom]);
        return (y, Read(_backend, bottom.Diff));
    }

    private void CheckGradient(Layer layer, Blob bottom)
    {
        var top = Empty("y");
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, [bottom], [top], [0]);
        Assert.Equal(bottom.Count, checker.Checked);
    }

    [Fact]
    public void Sigmoid_and_TanH_values_and_in_place_gradients()
    {
        float[] x = [-3, -0.5f, 0, 0.5f, 3];
        float[] ones = [1, 1, 1, 1, 1];
        var (sigmoid, dSigmoid) = ForwardBackward(new SigmoidLayer(Layer("Sigmoid"), _backend), x, ones, inPlace: true);
        var (tanh, dTanh) = ForwardBackward(new TanHLayer(Layer("TanH"), _backend), x, ones, inPlace: true);
        for (int i = 0; i < x.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-x[i])), t = Math.Tanh(x[i]);
            Assert.Equal(s, sigmoid[i], 6);
            Assert.Equal(s * (1 - s), dSigmoid[i], 6);
            Assert.Equal(t, tanh[i], 6);
            Assert.Equal(1 - t * t, dTanh[i], 6);
        }
    }

    [Fact]
    public void Sigmoid_TanH_and_Softmax_gradients_match_finite_differences()
    {
        CheckGradient(new SigmoidLayer(Layer("Sigmoid"), _backend), Gaussian(_backend, "x", [3, 13], seed: 1, std: 2));
        CheckGradient(new TanHLayer(Layer("TanH"), _backend), Gaussian(_backend, "x", [3, 13], seed: 2));
        CheckGradient(new SoftmaxLayer(Layer("Softmax"), _backend), Gaussian(_backend, "x", [3, 5], seed: 3));
        var spatial = Layer("Softmax");
        spatial.SoftmaxParam = new SoftmaxParameter { Axis = 1 };
        CheckGradient(new SoftmaxLayer(spatial, _backend), Gaussian(_backend, "x", [2, 4, 3], seed: 4));
    }

    [Fact]
    public void Softmax_over_a_middle_axis_normalizes_each_position()
    {
        // (1, 2, 2): position 0 has scores (0, ln 3) → (1/4, 3/4); position 1 has (ln 2, ln 2) → (½, ½).
        var p = Layer("Softmax");
        p.SoftmaxParam = new SoftmaxParameter { Axis = -2 };
        var bottom = Values(_backend, "x", [1, 2, 2], [0, MathF.Log(2), MathF.Log(3), MathF.Log(2)]);
        var top = Empty("y");
        var layer = new SoftmaxLayer(p, _backend);
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        layer.Forward([bottom], [top]);
        var y = Read(_backend, top.Data);
        Assert.Equal([0.25, 0.5, 0.75, 0.5], y.Select(v => Math.Round(v, 6)));
    }

    // The Keras examples (keras.activations.relu and keras.layers.ReLU docstrings): their printed outputs.
    public static TheoryData<float, float?, float?, float[], float[]> KerasExamples => new()
    {
        { 0f, null, null, [-10, -5, 0, 5, 10], [0, 0, 0, 5, 10] },
        { 0.5f, null, null, [-10, -5, 0, 5, 10], [-5, -2.5f, 0, 5, 10] },
        { 0f, 5f, null, [-10, -5, 0, 5, 10], [0, 0, 0, 5, 5] },
        // x = threshold gives 0: Keras' code compares x > threshold (its docstring's "threshold ≤ x" is not what it computes).
        { 0f, null, 5f, [-10, -5, 0, 5, 10], [0, 0, 0, 0, 10] },
        { 0f, 1f, null, [-3, -1, 0, 2], [0, 0, 0, 1] },
        { 1f, null, null, [-3, -1, 0, 2], [-3, -1, 0, 2] },
        { 0f, null, 1.5f, [-3, -1, 1, 2], [0, 0, 0, 2] },
        { 0.5f, 10f, 0f, [-10, -5, 0, 5, 10], [-5, -2.5f, 0, 5, 10] },
    };

    [Theory]
    [MemberData(nameof(KerasExamples))]
    public void Keras_ReLU_gives_the_documented_outputs(float slope, float? maxValue, float? threshold, float[] x, float[] expected)
    {
        var (y, _) = ForwardBackward(new ReLULayer(Relu(slope, maxValue, threshold), _backend), x, new float[x.Length]);
        Assert.Equal(expected, y);
    }

    /// <summary>Keras' relu(x, alpha, max_value, threshold), transcribed from its source into plain C#.</summary>
    private static double KerasRelu(double x, double alpha, double? maxValue, double threshold)
    {
        double negative = Math.Max(threshold - x, 0);
        double kept = x > threshold ? x : 0;
        if (maxValue is { } max) kept = Math.Clamp(kept, 0, max);
        return kept - alpha * negative;
    }

    [Theory]
    [InlineData(0.2f, 2f, 0.5f)]
    [InlineData(0f, 6f, 0f)]
    [InlineData(0.1f, null, 1f)]
    [InlineData(0.3f, 1f, 3f)] // max_value below threshold: the top piece is flat at max_value
    public void Keras_ReLU_values_and_gradients_away_from_the_kinks(float slope, float? maxValue, float threshold)
    {
        // Points at least 0.05 (five finite-difference steps) from 0, the threshold and max_value.
        float[] x = [-2.3f, -0.45f, 0.2f, 0.44f, 0.57f, 0.93f, 1.12f, 1.93f, 2.07f, 2.96f, 3.08f, 5.9f, 6.1f, 7.4f];
        var layer = new ReLULayer(Relu(slope, maxValue, threshold), _backend);
        var (y, _) = ForwardBackward(layer, x, new float[x.Length]);
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(KerasRelu(x[i], slope, maxValue, threshold), y[i], 5);
        CheckGradient(new ReLULayer(Relu(slope, maxValue, threshold), _backend), Values(_backend, "x", [x.Length], x));
    }

    [Fact]
    public void At_a_kink_the_gradient_is_the_slope_of_the_piece_the_value_belongs_to()
    {
        // threshold 1, max_value 3, slope 0.25: f(1) = 0 belongs to the lower piece (slope 0.25);
        // f(3) = 3 to the flat top (0); in between the identity (1).
        float[] x = [1, 3, 2];
        var (y, dx) = ForwardBackward(new ReLULayer(Relu(0.25f, 3f, 1f), _backend), x, [1, 1, 1]);
        Assert.Equal([0f, 3f, 2f], y);
        Assert.Equal([0.25f, 0f, 1f], dx);
        // Caffe's ReLU at 0: the negative slope, as relu_layer.cpp's (x > 0) + slope·(x <= 0).
        var (_, caffe) = ForwardBackward(new ReLULayer(Relu(0.25f), _backend), [0f], [1f]);
        Assert.Equal([0.25f], caffe);
    }

    [Fact]
    public void In_place_Keras_ReLU_uses_the_input_for_its_gradient()
    {
        float[] x = [-1, 0.5f, 1.5f, 2.5f, 4];
        float[] dy = [1, 1, 1, 1, 1];
        var p = Relu(0.5f, 3f, 1f);
        var (yCopy, dxCopy) = ForwardBackward(new ReLULayer(p, _backend), x, dy);
        var (yInPlace, dxInPlace) = ForwardBackward(new ReLULayer(p, _backend), x, dy, inPlace: true);
        Assert.Equal(yCopy, yInPlace);
        Assert.Equal(dxCopy, dxInPlace);
        Assert.Equal([0.5f, 0.5f, 1f, 1f, 0f], dxInPlace);
    }

    [Fact]
    public void Without_extension_fields_ReLU_has_Caffes_bits()
    {
        // relu_layer.cpp: y = max(x, 0) + slope·min(x, 0); dx = dy·((x > 0) + slope·(x ≤ 0)).
        var random = new Random(5);
        var x = Enumerable.Range(0, 257).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        var dy = Enumerable.Range(0, 257).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        foreach (var p in new[] { Relu(0.1f), Relu(0.1f, threshold: 0f) })
        {
            var (y, dx) = ForwardBackward(new ReLULayer(p, _backend), x, dy);
            Assert.Equal(x.Select(v => BitConverter.SingleToInt32Bits(MathF.Max(v, 0f) + 0.1f * MathF.Min(v, 0f))), y.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(x.Select((v, i) => BitConverter.SingleToInt32Bits(dy[i] * ((v > 0f ? 1f : 0f) + 0.1f * (v <= 0f ? 1f : 0f)))),
                dx.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
