using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>Numerical gradient checks of every layer with a gradient, as Caffe's layer tests do.</summary>
public sealed class LayerGradientTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private void CheckAll(Layer layer, Blob[] bottom, int[] checkBottoms, float kink = float.NaN, int tops = 1)
    {
        var top = Enumerable.Range(0, tops).Select(i => Empty($"top{i}")).ToArray();
        GradientChecker.SetUp(layer, bottom, top, _backend);
        var checker = new GradientChecker(_backend, kink: kink);
        checker.Check(layer, bottom, top, checkBottoms);
        Assert.True(checker.Checked > 0);
    }

    private static LayerParameter InnerProduct(uint outputs, bool bias = true, bool transpose = false, int axis = 1) => new()
    {
        Name = "ip",
        Type = "InnerProduct",
        InnerProductParam = new InnerProductParameter
        {
            NumOutput = outputs,
            BiasTerm = bias,
            Transpose = transpose,
            Axis = axis,
            WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.5f },
            BiasFiller = new FillerParameter { Type = "uniform", Min = -0.5f, Max = 0.5f },
        },
    };

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void InnerProduct_gradients_match_finite_differences(bool bias, bool transpose)
    {
        var layer = new InnerProductLayer(InnerProduct(5, bias, transpose), _backend);
        CheckAll(layer, [Gaussian(_backend, "x", [3, 2, 2, 2], seed: 1)], [0]);
        Assert.Equal(bias ? 2 : 1, layer.Parameters.Count);
        Assert.Equal(transpose ? [8, 5] : new[] { 5, 8 }, layer.Parameters[0].Shape);
    }

    [Fact]
    public void InnerProduct_on_a_later_axis_keeps_the_leading_axes()
    {
        var layer = new InnerProductLayer(InnerProduct(4, axis: 2), _backend);
        var bottom = Gaussian(_backend, "x", [2, 3, 5], seed: 2);
        var top = Empty("y");
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        Assert.Equal([2, 3, 4], top.Shape);
        new GradientChecker(_backend).Check(layer, [bottom], [top], [0]);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void ReLU_gradient_matches_finite_differences_away_from_the_kink(float slope)
    {
        var p = new LayerParameter { Name = "relu", Type = "ReLU", ReluParam = new ReLUParameter { NegativeSlope = slope } };
        CheckAll(new ReLULayer(p, _backend), [Gaussian(_backend, "x", [4, 7], seed: 3)], [0], kink: 0.02f);
    }

    [Theory]
    [InlineData(LossParameter.Types.NormalizationMode.Valid, false)]
    [InlineData(LossParameter.Types.NormalizationMode.Valid, true)]
    [InlineData(LossParameter.Types.NormalizationMode.Full, true)]
    [InlineData(LossParameter.Types.NormalizationMode.BatchSize, false)]
    [InlineData(LossParameter.Types.NormalizationMode.None, false)]
    public void SoftmaxWithLoss_gradient_matches_finite_differences(LossParameter.Types.NormalizationMode mode, bool ignore)
    {
        var loss = new LossParameter { Normalization = mode };
        if (ignore) loss.IgnoreLabel = 1;
        var p = new LayerParameter { Name = "loss", Type = "SoftmaxWithLoss", LossParam = loss };
        // (2, 4, 3): softmax over 4 channels at 3 spatial positions per sample.
        var labels = Values(_backend, "label", [2, 3], [0, 1, 3, 2, 1, 0]);
        CheckAll(new SoftmaxWithLossLayer(p, _backend), [Gaussian(_backend, "x", [2, 4, 3], seed: 4), labels], [0]);
    }

    [Fact]
    public void EuclideanLoss_gradient_flows_to_both_bottoms()
    {
        var p = new LayerParameter { Name = "loss", Type = "EuclideanLoss" };
        CheckAll(new EuclideanLossLayer(p, _backend),
            [Gaussian(_backend, "a", [3, 4], seed: 5), Gaussian(_backend, "b", [3, 4], seed: 6)], [0, 1]);
    }

    [Fact]
    public void Split_gradient_is_the_sum_of_its_tops()
    {
        var p = new LayerParameter { Name = "split", Type = "Split" };
        CheckAll(new SplitLayer(p, _backend), [Gaussian(_backend, "x", [2, 5], seed: 8)], [0], tops: 3);
    }
}
