using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>
/// The Keras losses (mse, mae, binary_crossentropy) and binary accuracy against Keras's formulas,
/// written out here in double precision the way keras/src/losses/losses.py composes them (the
/// per-element loss, its mean over the last axis, then the mean over the batch), and against
/// finite differences.
/// </summary>
public sealed class KerasLossLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private Layer Create(string type, LossParameter? loss = null) =>
        LayerFactory.Create(new LayerParameter { Name = "loss", Type = type, LossParam = loss }, _backend, new NetContext(".", 1));

    private (Layer Layer, Blob[] Bottom, Blob[] Top) SetUp(string type, float[] prediction, float[] target, int[] shape)
    {
        var layer = Create(type);
        Blob[] bottom = [Values(_backend, "p", shape, prediction), Values(_backend, "t", shape, target)];
        Blob[] top = [Empty("loss")];
        GradientChecker.SetUp(layer, bottom, top, _backend);
        return (layer, bottom, top);
    }

    private float Forward(string type, float[] prediction, float[] target, int[] shape)
    {
        var (layer, bottom, top) = SetUp(type, prediction, target, shape);
        layer.Forward(bottom, top);
        return Read(_backend, top[0].Data)[0];
    }

    /// <summary>Keras's reduction: the per-element loss averaged over each row (the last axis), then over the rows.</summary>
    private static double KerasMean(float[] p, float[] t, int rowLength, Func<double, double, double> elementLoss) =>
        Enumerable.Range(0, p.Length / rowLength)
            .Select(r => Enumerable.Range(r * rowLength, rowLength).Average(i => elementLoss(p[i], t[i])))
            .Average();

    private static readonly float[] P = [1.5f, -0.5f, 2f, 0f, 0.25f, -3f];
    private static readonly float[] T = [1f, 0f, 0f, 0.5f, 0.25f, 1f];

    [Fact]
    public void Mse_is_the_mean_of_squared_errors_over_each_row_then_the_batch()
    {
        double expected = KerasMean(P, T, 3, (p, t) => (p - t) * (p - t));
        Assert.Equal(expected, Forward("MeanSquaredErrorLoss", P, T, [2, 3]), 6);
        // And not Caffe's EuclideanLoss, Σ(p − t)²/2N, which is 3/2 times as large here.
        Assert.NotEqual(P.Zip(T).Sum(z => (z.First - z.Second) * (z.First - z.Second)) / 4, Forward("MeanSquaredErrorLoss", P, T, [2, 3]), 3);
    }

    [Fact]
    public void Mae_is_the_mean_of_absolute_errors_over_each_row_then_the_batch() =>
        Assert.Equal(KerasMean(P, T, 3, (p, t) => Math.Abs(p - t)), Forward("MeanAbsoluteErrorLoss", P, T, [2, 3]), 6);

    [Fact]
    public void Binary_cross_entropy_clips_probabilities_to_Kerass_epsilon()
    {
        // Probabilities of exactly 1 and 0 and one below ε. The expected value was computed with
        // Python's math module, p clipped to [float32(1e-7), float32(1 − 1e-7)] as Keras's NumPy
        // backend does, −(t·log p + (1 − t)·log(1 − p)), the mean of each row of 2, then of the 3 rows.
        float[] p = [0.9f, 0.2f, 1f, 0f, 0.5f, 1e-9f];
        float[] t = [1, 0, 1, 0, 1, 1];
        Assert.Equal(2.8566245227049585, Forward("BinaryCrossEntropyLoss", p, t, [3, 2]), 5);
        double clipped = KerasMean(p, t, 2, (q, y) =>
        {
            q = Math.Clamp(q, 1e-7, 1 - 1e-7);
            return -(y * Math.Log(q) + (1 - y) * Math.Log(1 - q));
        });
        Assert.Equal(clipped, Forward("BinaryCrossEntropyLoss", p, t, [3, 2]), 5);
    }

    [Theory]
    [InlineData("MeanSquaredErrorLoss")]
    [InlineData("MeanAbsoluteErrorLoss")]
    [InlineData("BinaryCrossEntropyLoss")]
    public void Gradient_matches_finite_differences(string type)
    {
        var random = new Random(11);
        bool probabilities = type == "BinaryCrossEntropyLoss";
        // Predictions stay ≥ 0.1 away from the targets (|x|'s kink) and inside [0.2, 0.8] for the
        // cross-entropy, so the finite-difference step of 0.01 never crosses a kink or the clip.
        var target = Enumerable.Range(0, 12).Select(i => probabilities ? (i % 3 == 0 ? 0.3f : i % 2) : (float)(random.NextDouble() * 4 - 2)).ToArray();
        var prediction = target.Select((t, i) => probabilities
            ? 0.2f + 0.6f * (float)random.NextDouble()
            : t + (i % 2 == 0 ? 1 : -1) * (0.1f + (float)random.NextDouble())).ToArray();
        var (layer, bottom, top) = SetUp(type, prediction, target, [4, 3]);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, bottom, top, [0]);
        Assert.Equal(12, checker.Checked);
    }

    [Fact]
    public void Where_the_clip_holds_a_probability_its_gradient_is_zero()
    {
        var (layer, bottom, top) = SetUp("BinaryCrossEntropyLoss", [1f, 0f, 0.5f], [0, 1, 1], [3, 1]);
        layer.Forward(bottom, top);
        Assert.True(float.IsFinite(Read(_backend, top[0].Data)[0]));
        _backend.Fill(top[0].Diff, 1f);
        layer.Backward(top, [true, false], bottom);
        var d = Read(_backend, bottom[0].Diff);
        Assert.Equal(0f, d[0]);
        Assert.Equal(0f, d[1]);
        Assert.Equal(-1 / 0.5f / 3, d[2], 6); // −t/p over 3 elements
    }

    [Fact]
    public void Binary_accuracy_counts_predictions_strictly_above_one_half_as_ones()
    {
        float accuracy = Forward("BinaryAccuracy", [0.9f, 0.5f, 0.2f, 0.51f], [1, 0, 1, 0], [4, 1]);
        Assert.Equal(0.5f, accuracy); // hits: 0.9→1 and 0.5→0
    }

    [Theory]
    [InlineData("MeanSquaredErrorLoss")]
    [InlineData("BinaryAccuracy")]
    public void Targets_of_another_size_are_refused_naming_the_layer(string type)
    {
        var layer = Create(type);
        var e = Assert.Throws<NetConfigurationException>(() =>
            layer.SetUp([Values(_backend, "p", [2, 3], new float[6]), Values(_backend, "y", [2], new float[2])], [Empty("loss")]));
        Assert.Contains($"layer 'loss' ({type})", e.Message);
        Assert.Contains("targets 'y'", e.Message);
    }

    [Fact]
    public void Caffes_normalization_is_refused_rather_than_silently_changing_the_loss()
    {
        var layer = Create("MeanAbsoluteErrorLoss", new LossParameter { Normalization = LossParameter.Types.NormalizationMode.BatchSize });
        var e = Assert.Throws<NetConfigurationException>(() =>
            layer.SetUp([Values(_backend, "p", [2], new float[2]), Values(_backend, "y", [2], new float[2])], [Empty("loss")]));
        Assert.Contains("loss_param", e.Message);
    }
}
