using DistributedSolver.Training;
using static DistributedSolver.Tests.Layers.LayerTestUtil;
using static DistributedSolver.Tests.Training.TrainingFixture;

namespace DistributedSolver.Tests.Training;

/// <summary>
/// Gradient buckets: cut at layer boundaries, finished during backward, summed and updated one by
/// one with the bits of one whole step. The MLP's flat parameters, by hand: ip1's weights 784×64
/// at 0 and bias at 50176, ip2's weights 64×10 at 50240 and bias at 50880, 50890 in all.
/// </summary>
public sealed class GradientBucketsTests : IDisposable
{
    private const int Ip2 = 50240;
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-buckets-").FullName;
    private readonly DistributedSolver.Backend.Cpu.CpuBackend _backend = CreateBackend(threads: 1);

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Trainer Mlp(string rule = "SGD", float clip = -1f)
    {
        var solver = WithRule(Solver(maxIter: 10, iterSize: 3), rule);
        solver.ClipGradients = clip;
        return new Trainer(Definition(solver, TrainingFixture.Mlp(batch: 16), Path.Combine(_directory, Guid.NewGuid().ToString("N"))), _backend, new RecordingObserver());
    }

    [Theory]
    [InlineData(1, false, new[] { 0, Ip2 })]
    [InlineData(650 * 4, false, new[] { 0, Ip2 })]
    [InlineData(650 * 4 + 1, false, new[] { 0 })]
    [InlineData(1, true, new[] { 0 })]
    public void Buckets_are_cut_at_layer_boundaries_from_the_end(int minimumBytes, bool clips, int[] offsets)
    {
        var buckets = GradientBuckets.Plan(Mlp().TrainNet, minimumBytes, clips);
        Assert.Equal(offsets, buckets.Offsets);
        Assert.Equal(50890, buckets.ParameterCount);
    }

    [Theory]
    [InlineData(new[] { 0, 100 })]
    [InlineData(new[] { Ip2 })]
    [InlineData(new[] { 0, Ip2, Ip2 })]
    [InlineData(new[] { 0, 50176 })]
    public void Offsets_that_are_not_ascending_layer_boundaries_from_0_are_refused(int[] offsets)
    {
        // 50176 starts ip1's bias: a parameter boundary, not a layer's.
        var e = Assert.Throws<ArgumentException>(() => GradientBuckets.FromOffsets(Mlp().TrainNet, offsets));
        Assert.Contains("gradient bucket", e.Message);
    }

    [Fact]
    public void A_bucketed_run_hands_out_the_late_bucket_during_backward_with_the_bits_of_a_whole_run()
    {
        var whole = Mlp();
        var bucketed = Mlp();
        var buckets = GradientBuckets.Plan(bucketed.TrainNet, 1, clipsGlobalNorm: false);
        var block = new UnitBlock(0, 3);

        var expected = Read(_backend, whole.Replica.Units.Run(2, block, new float[3]));
        var early = new List<(int Bucket, float[] Values)>();
        var sum = bucketed.Replica.Units.Run(2, block, new float[3], buckets, (b, partial) => early.Add((b, Read(_backend, partial.Slice(buckets.Ranges[b].Offset, buckets.Ranges[b].Count)))));

        // Handed out while ip1 still had its backward to run: final already.
        var (bucket, values) = Assert.Single(early);
        Assert.Equal(1, bucket);
        Assert.Equal(expected[Ip2..], values);
        Assert.Equal(expected, Read(_backend, sum));
    }

    [Theory]
    [InlineData("SGD")]
    [InlineData("Adam amsgrad")]
    [InlineData("AdaDelta")]
    public void Updating_bucket_by_bucket_gives_the_weights_and_history_of_one_update(string rule)
    {
        var whole = Mlp(rule);
        var bucketed = Mlp(rule);
        var buckets = GradientBuckets.Plan(bucketed.TrainNet, 1, clipsGlobalNorm: false);
        for (int t = 0; t < 3; t++)
        {
            whole.Solver.ApplyUpdate(t, whole.Replica.Units.Run(t, new UnitBlock(0, 3), new float[3]));
            var gradient = bucketed.Replica.Units.Run(t, new UnitBlock(0, 3), new float[3]);
            foreach (var range in buckets.Ranges.Reverse()) bucketed.Solver.ApplyUpdate(t, gradient, range);
        }
        Assert.Equal(Read(_backend, whole.TrainNet.ParameterData), Read(_backend, bucketed.TrainNet.ParameterData));
        Assert.Equal(whole.Solver.ToState(3, "x").History.SelectMany(h => h.Data), bucketed.Solver.ToState(3, "x").History.SelectMany(h => h.Data));
    }

    [Fact]
    public void Clipping_refuses_a_partial_update()
    {
        var trainer = Mlp(clip: 1f);
        var gradient = trainer.Replica.Units.Run(0, new UnitBlock(0, 3), new float[3]);
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Solver.ApplyUpdate(0, gradient, new ParameterRange(Ip2, 650)));
        Assert.Contains("clip_gradients", e.Message);
    }
}
