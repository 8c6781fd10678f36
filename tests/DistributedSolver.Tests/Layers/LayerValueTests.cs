using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>Forward values against numbers worked out by hand from Caffe's definitions.</summary>
public sealed class LayerValueTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    [Fact]
    public void SoftmaxWithLoss_of_known_scores_is_the_mean_negative_log_probability()
    {
        // Row 0: scores (0, ln 3) → p = (1/4, 3/4), label 1 → −ln 0.75. Row 1: (0, 0) → p = ½, label 0 → ln 2.
        var scores = Values(_backend, "x", [2, 2], [0f, MathF.Log(3f), 0f, 0f]);
        var labels = Values(_backend, "l", [2], [1, 0]);
        var top = Empty("loss");
        var layer = new SoftmaxWithLossLayer(new LayerParameter { Name = "loss", Type = "SoftmaxWithLoss" }, _backend);
        GradientChecker.SetUp(layer, [scores, labels], [top], _backend);
        layer.Forward([scores, labels], [top]);
        double expected = (-Math.Log(0.75) + Math.Log(2)) / 2;
        Assert.Equal(expected, Read(_backend, top.Data)[0], 6);
    }

    [Fact]
    public void EuclideanLoss_is_half_the_squared_distance_over_the_batch()
    {
        var a = Values(_backend, "a", [2, 2], [1, 2, 3, 4]);
        var b = Values(_backend, "b", [2, 2], [0, 0, 3, 6]);
        var top = Empty("loss");
        var layer = new EuclideanLossLayer(new LayerParameter { Name = "loss", Type = "EuclideanLoss" }, _backend);
        GradientChecker.SetUp(layer, [a, b], [top], _backend);
        layer.Forward([a, b], [top]);
        Assert.Equal((1 + 4 + 0 + 4) / 2f / 2f, Read(_backend, top.Data)[0]);
    }

    [Theory]
    [InlineData(1u, 0.25f)]
    [InlineData(2u, 0.75f)]
    [InlineData(3u, 1f)]
    public void Accuracy_counts_labels_among_the_top_k(uint k, float expected)
    {
        // Labels' ranks: sample 0 → 1st, sample 1 → 2nd, sample 2 → 3rd, sample 3 tied with another
        // class for 1st. Caffe's AccuracyLayer counts every class scoring ≥ the label's, so a tie
        // pushes the label to 2nd: a miss at top_k 1, a hit at top_k 2.
        var scores = Values(_backend, "x", [4, 3], [0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.6f, 0.3f, 0.1f, 0.4f, 0.4f, 0.2f]);
        var labels = Values(_backend, "l", [4], [1, 1, 2, 0]);
        var top = Empty("acc");
        var p = new LayerParameter { Name = "acc", Type = "Accuracy", AccuracyParam = new AccuracyParameter { TopK = k } };
        var layer = new AccuracyLayer(p, _backend);
        GradientChecker.SetUp(layer, [scores, labels], [top], _backend);
        layer.Forward([scores, labels], [top]);
        Assert.Equal(expected, Read(_backend, top.Data)[0]);
    }

    [Fact]
    public void Accuracy_skips_the_ignored_label()
    {
        var scores = Values(_backend, "x", [3, 2], [0.9f, 0.1f, 0.9f, 0.1f, 0.1f, 0.9f]);
        var labels = Values(_backend, "l", [3], [0, 1, 1]);
        var top = Empty("acc");
        var p = new LayerParameter { Name = "acc", Type = "Accuracy", AccuracyParam = new AccuracyParameter { IgnoreLabel = 1 } };
        var layer = new AccuracyLayer(p, _backend);
        GradientChecker.SetUp(layer, [scores, labels], [top], _backend);
        layer.Forward([scores, labels], [top]);
        Assert.Equal(1f, Read(_backend, top.Data)[0]);
    }

    [Fact]
    public void In_place_ReLU_equals_the_out_of_place_one()
    {
        var p = new LayerParameter { Name = "relu", Type = "ReLU", ReluParam = new ReLUParameter { NegativeSlope = 0.25f } };
        var x = Values(_backend, "x", [5], [-2, -0.5f, 0, 0.5f, 3]);
        var layer = new ReLULayer(p, _backend);
        GradientChecker.SetUp(layer, [x], [x], _backend);
        layer.Forward([x], [x]);
        Assert.Equal([-0.5f, -0.125f, 0, 0.5f, 3], Read(_backend, x.Data));
        _backend.Upload([1, 1, 1, 1, 1], x.Diff);
        layer.Backward([x], [true], [x]);
        Assert.Equal([0.25f, 0.25f, 0.25f, 1, 1], Read(_backend, x.Diff));
    }

    [Fact]
    public void DummyData_constant_filler_and_legacy_shape()
    {
        var p = new LayerParameter
        {
            Name = "dummy", Type = "DummyData",
            DummyDataParam = new DummyDataParameter { Num = { 2 }, Channels = { 3 }, Height = { 1 }, Width = { 1 }, DataFiller = { new FillerParameter { Type = "constant", Value = 0.5f } } },
        };
        var top = Empty("d");
        var layer = new DummyDataLayer(p, _backend, seed: 3);
        GradientChecker.SetUp(layer, [], [top], _backend);
        layer.Forward([], [top]);
        Assert.Equal([2, 3, 1, 1], top.Shape);
        Assert.All(Read(_backend, top.Data), v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void DummyData_random_batches_are_a_function_of_the_position()
    {
        var p = new LayerParameter
        {
            Name = "dummy", Type = "DummyData",
            DummyDataParam = new DummyDataParameter { Shape = { new BlobShape { Dim = { 4, 3 } } }, DataFiller = { new FillerParameter { Type = "gaussian" } } },
        };
        float[] Batch(long position)
        {
            var top = Empty("d");
            var layer = new DummyDataLayer(p, _backend, seed: 11);
            GradientChecker.SetUp(layer, [], [top], _backend);
            layer.Position = position;
            layer.Forward([], [top]);
            return Read(_backend, top.Data);
        }
        Assert.Equal(Batch(8), Batch(8));
        Assert.NotEqual(Batch(8), Batch(12));
    }
}
