using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// Sums and losses. Each term is computed as on the CPU backend, but the kernel adds them in
/// 1024 lane partials (then the partials in lane order) where TensorPrimitives adds vectors and
/// the CPU loss loops go in index order: only the order of the additions differs, so the two are
/// within 2·γ_(n−1)·Σ|term| (see <see cref="Tolerance"/>). Counts are exact.
/// </summary>
public sealed class ReductionKernelTests(BackendPair pair) : IClassFixture<BackendPair>
{
    private static void Within(float expected, float actual, int terms, double magnitudes) =>
        Tolerance.AssertWithin([expected], [actual], _ => 2 * Tolerance.Gamma(Math.Max(terms - 1, 1)) * magnitudes);

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Sums_and_dot_products_are_within_the_summation_bound(int length)
    {
        var xs = Inputs.Uniform(length, 20);
        var ys = Inputs.Uniform(length, 21);
        var x = pair.Put(xs);
        var y = pair.Put(ys);
        double magnitudes = xs.Sum(v => Math.Abs((double)v));
        var (cpu, gpu) = pair.Both((b, v) => b.Sum(v(x)));
        Within(cpu, gpu, length, magnitudes);
        (cpu, gpu) = pair.Both((b, v) => b.SumOfMagnitudes(v(x)));
        Within(cpu, gpu, length, magnitudes);
        (cpu, gpu) = pair.Both((b, v) => b.SumOfSquares(v(x)));
        Within(cpu, gpu, length, xs.Sum(v => (double)v * v));
        (cpu, gpu) = pair.Both((b, v) => b.Dot(v(x), v(y)));
        Within(cpu, gpu, length, xs.Zip(ys, (a, c) => Math.Abs((double)a * c)).Sum());
    }

    [Fact]
    public void A_short_sum_is_exact()
    {
        // Fewer elements than lanes: each partial holds one term, so small integers add exactly.
        var x = pair.Put([1f, 2f, 3f, -4f, 5f]);
        Assert.Equal(7f, pair.Gpu.Sum(x.Gpu));
        Assert.Equal(15f, pair.Gpu.SumOfMagnitudes(x.Gpu));
        Assert.Equal(55f, pair.Gpu.SumOfSquares(x.Gpu));
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Binary_losses_are_within_the_summation_bound_and_counts_are_exact(int length)
    {
        var logits = Inputs.Uniform(length, 22, -20f, 20f);
        var probabilities = Inputs.Uniform(length, 23, 0f, 1f);
        probabilities[0] = 1f;
        var targets = Inputs.Labels(length, 2, 24);
        var x = pair.Put(logits);
        var p = pair.Put(probabilities);
        var t = pair.Put(targets);

        foreach (int? ignore in new int?[] { null, 1 })
        {
            var (cpu, gpu) = pair.Both((b, v) => b.SigmoidCrossEntropy(v(x), v(t), ignore));
            Assert.Equal(cpu.Valid, gpu.Valid);
            // Every term is non-negative, so Σ|term| is the loss itself.
            Within(cpu.LossSum, gpu.LossSum, length, cpu.LossSum);
        }
        var (bce, bceGpu) = pair.Both((b, v) => b.BinaryCrossEntropy(v(p), v(t), 1e-7f));
        Within(bce, bceGpu, length, bce);
        var (hits, hitsGpu) = pair.Both((b, v) => b.BinaryAccuracyCount(v(p), v(t), 0.5f));
        Assert.Equal(hits, hitsGpu);
    }

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(7, 10, 1)]
    [InlineData(5, 4, 9)]
    [InlineData(33, 2, 3)]
    public void Softmax_loss_and_accuracy_match_the_cpu(int outer, int channels, int inner)
    {
        int positions = outer * inner;
        var scores = Inputs.Uniform(outer * channels * inner, 25, 0f, 1f);
        // Ties with the label's score, which Caffe counts against the label.
        scores[1 % scores.Length] = scores[0];
        var s = pair.Put(scores);
        var l = pair.Put(Inputs.Labels(positions, channels, 26));
        foreach (int? ignore in new int?[] { null, 0 })
        {
            var (cpu, gpu) = pair.Both((b, v) => b.SoftmaxCrossEntropy(outer, channels, inner, v(s), v(l), ignore));
            Assert.Equal(cpu.Valid, gpu.Valid);
            Within(cpu.LossSum, gpu.LossSum, positions, cpu.LossSum);
            foreach (int topK in new[] { 1, 2 })
            {
                var (cpuHits, gpuHits) = pair.Both((b, v) => b.AccuracyCount(outer, channels, inner, v(s), v(l), topK, ignore));
                Assert.Equal(cpuHits, gpuHits);
            }
        }
    }

    [Fact]
    public void A_label_outside_the_channels_is_refused_with_the_cpu_message()
    {
        var s = pair.Put(Inputs.Uniform(12, 27, 0f, 1f));
        var l = pair.Put([0f, 3f, 7f, 1f]);
        var cpu = Assert.Throws<InvalidDataException>(() => pair.Cpu.SoftmaxCrossEntropy(4, 3, 1, s.Cpu, l.Cpu, null));
        var gpu = Assert.Throws<InvalidDataException>(() => pair.Gpu.SoftmaxCrossEntropy(4, 3, 1, s.Gpu, l.Gpu, null));
        Assert.Equal(cpu.Message, gpu.Message);
        gpu = Assert.Throws<InvalidDataException>(() => pair.Gpu.AccuracyCount(4, 3, 1, s.Gpu, l.Gpu, 1, 3));
        Assert.Contains("label 7 is outside [0, 3)", gpu.Message);
    }

    [Fact]
    public void Reductions_from_several_threads_each_get_their_own_sum()
    {
        // Small integers sum exactly, so each thread knows its answer; the lanes' buffers are shared.
        var operands = Enumerable.Range(1, 8).Select(k => pair.Put([.. Enumerable.Repeat((float)k, 40 + k)])).ToArray();
        var sums = new float[operands.Length];
        Parallel.For(0, operands.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => sums[i] = pair.Gpu.Sum(operands[i].Gpu));
        Assert.Equal([.. Enumerable.Range(1, 8).Select(k => (float)(k * (40 + k)))], sums);
    }

    [Fact]
    public void Empty_views_reduce_to_zero()
    {
        var empty = pair.Put([]);
        Assert.Equal(0f, pair.Gpu.Sum(empty.Gpu));
        Assert.Equal((0f, 0), pair.Gpu.SigmoidCrossEntropy(empty.Gpu, empty.Gpu, null));
    }
}
