using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;
using Mode = DistributedSolver.Proto.LossParameter.Types.NormalizationMode;

namespace DistributedSolver.Tests.Layers;

/// <summary>SigmoidCrossEntropyLoss against the logistic loss's definition, its normalizations and its gradient.</summary>
public sealed class SigmoidCrossEntropyLossTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private static LayerParameter Loss(LossParameter? loss = null) => new() { Name = "loss", Type = "SigmoidCrossEntropyLoss", LossParam = loss };

    private float Forward(LayerParameter p, float[] x, float[] targets, int[] shape)
    {
        var scores = Values(_backend, "x", shape, x);
        var labels = Values(_backend, "t", shape, targets);
        var top = Empty("loss");
        var layer = new SigmoidCrossEntropyLossLayer(p, _backend);
        GradientChecker.SetUp(layer, [scores, labels], [top], _backend);
        layer.Forward([scores, labels], [top]);
        return Read(_backend, top.Data)[0];
    }

    /// <summary>−[t·log σ(x) + (1 − t)·log(1 − σ(x))], in double.</summary>
    private static double Logistic(double x, double t) => -(t * Math.Log(1 / (1 + Math.Exp(-x))) + (1 - t) * Math.Log(1 - 1 / (1 + Math.Exp(-x))));

    [Fact]
    public void The_loss_is_the_logistic_loss_summed_and_divided_by_the_batch_size_by_default()
    {
        float[] x = [-2, -0.3f, 0, 0.7f, 3, 1.5f];
        float[] t = [0, 1, 0.5f, 1, 0, 0.25f];
        double expected = x.Select((v, i) => Logistic(v, t[i])).Sum() / 2; // batch of 2 rows of 3
        Assert.Equal(expected, Forward(Loss(), x, t, [2, 3]), 5);
    }

    [Theory]
    [InlineData(Mode.Full, false, 6)]
    [InlineData(Mode.Valid, false, 6)]
    [InlineData(Mode.Valid, true, 4)] // two targets are the ignored label 2
    [InlineData(Mode.BatchSize, true, 2)]
    [InlineData(Mode.None, false, 1)]
    public void Normalization_divides_by_the_chosen_count(Mode mode, bool ignore, int divisor)
    {
        float[] x = [-2, -0.3f, 0, 0.7f, 3, 1.5f];
        float[] t = ignore ? [0, 1, 2, 1, 2, 0] : [0, 1, 0, 1, 1, 0];
        var loss = new LossParameter { Normalization = mode };
        if (ignore) loss.IgnoreLabel = 2;
        double sum = x.Select((v, i) => t[i] == 2 ? 0 : Logistic(v, t[i])).Sum();
        Assert.Equal(sum / divisor, Forward(Loss(loss), x, t, [2, 3]), 5);
    }

    [Fact]
    public void Large_scores_give_finite_losses()
    {
        // A naive log(1 − σ(x)) is log(0) = −∞ in float at x = 100; the stable form gives x itself.
        Assert.Equal(100f + 50f, Forward(Loss(new LossParameter { Normalization = Mode.None }), [100, -50], [0, 1], [1, 2]), 3);
    }

    [Theory]
    [InlineData(Mode.BatchSize, false)]
    [InlineData(Mode.Valid, true)]
    [InlineData(Mode.Full, false)]
    public void Gradient_matches_finite_differences(Mode mode, bool ignore)
    {
        var loss = new LossParameter { Normalization = mode };
        if (ignore) loss.IgnoreLabel = -1;
        var random = new Random(4);
        var targets = Enumerable.Range(0, 12).Select(i => ignore && i % 5 == 0 ? -1f : (float)random.NextDouble()).ToArray();
        var scores = Gaussian(_backend, "x", [3, 4], seed: 5, std: 2);
        var labels = Values(_backend, "t", [3, 4], targets);
        var top = Empty("loss");
        var layer = new SigmoidCrossEntropyLossLayer(Loss(loss), _backend);
        GradientChecker.SetUp(layer, [scores, labels], [top], _backend);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, [scores, labels], [top], [0]);
        Assert.Equal(12, checker.Checked);
    }
}
