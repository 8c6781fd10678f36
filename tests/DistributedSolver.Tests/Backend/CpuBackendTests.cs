using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Tests.Backend;

public sealed class CpuBackendTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private BufferView Put(params float[] values)
    {
        var view = new BufferView(_backend.Allocate(values.Length), 0, values.Length);
        _backend.Upload(values, view);
        return view;
    }

    private float[] Get(BufferView view)
    {
        var values = new float[view.Length];
        _backend.Download(view, values);
        return values;
    }

    private static void Near(float[] expected, float[] actual, float tolerance = 1e-6f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] = {actual[i]}, expected {expected[i]}");
    }

    [Fact]
    public void AllocateZeroFillsAndCopyFillMoveValues()
    {
        var buffer = _backend.Allocate(6);
        var all = new BufferView(buffer, 0, 6);
        Assert.Equal(new float[6], Get(all));
        _backend.Fill(all.Slice(1, 2), 7f);
        _backend.Copy(all.Slice(0, 3), all.Slice(3, 3));
        Assert.Equal([0f, 7f, 7f, 0f, 7f, 7f], Get(all));
    }

    [Fact]
    public void CopyRefusesOverlappingViewsOfOneBuffer()
    {
        var all = new BufferView(_backend.Allocate(6), 0, 6);
        var ex = Assert.Throws<ArgumentException>(() => _backend.Copy(all.Slice(0, 4), all.Slice(2, 4)));
        Assert.Contains("[0, 4) overlaps its destination [2, 6)", ex.Message);
        Assert.Throws<ArgumentException>(() => _backend.Copy(all.Slice(1, 2), all.Slice(1, 2)));
        // Adjacent views and views of other buffers are disjoint.
        _backend.Copy(all.Slice(0, 3), all.Slice(3, 3));
        _backend.Copy(Put(1, 2), all.Slice(0, 2));
        Assert.Equal([1f, 2f, 0f, 0f, 0f, 0f], Get(all));
    }

    [Fact]
    public void BlasLevelOneOperations()
    {
        var y = Put(1, 2, 3);
        _backend.Axpy(2f, Put(1, -1, 0.5f), y);
        Assert.Equal([3f, 0f, 4f], Get(y));
        _backend.Axpby(2f, Put(1, 1, 1), -0.5f, y);
        Assert.Equal([0.5f, 2f, 0f], Get(y));
        _backend.Scale(4f, y);
        Assert.Equal([2f, 8f, 0f], Get(y));
        var sum = Put(0, 0, 0);
        _backend.Add(Put(1, 2, 3), Put(10, 20, 30), sum);
        Assert.Equal([11f, 22f, 33f], Get(sum));
        _backend.Subtract(Put(1, 2, 3), Put(10, 20, 30), sum);
        Assert.Equal([-9f, -18f, -27f], Get(sum));
        Assert.Equal(1f * 4 + 2 * -5 + 3 * 6, _backend.Dot(Put(1, 2, 3), Put(4, -5, 6)));
        Assert.Equal(1f + 4 + 9, _backend.SumOfSquares(Put(1, -2, 3)));
        Assert.Equal(2f, _backend.Sum(Put(1, -2, 3)));
    }

    [Fact]
    public void ReluAndItsGradient()
    {
        var x = Put(-2, 0, 3);
        var y = Put(9, 9, 9);
        _backend.ReluForward(x, y, 0f);
        Assert.Equal([0f, 0f, 3f], Get(y));
        _backend.ReluForward(x, y, 0.1f);
        Near([-0.2f, 0f, 3f], Get(y));
        var dx = Put(9, 9, 9);
        _backend.ReluBackward(x, Put(5, 6, 7), dx, 0f);
        Assert.Equal([0f, 0f, 7f], Get(dx));
        _backend.ReluBackward(x, Put(5, 6, 7), dx, 0.1f);
        Near([0.5f, 0.6f, 7f], Get(dx));
    }

    [Fact]
    public void SoftmaxOfOneTwoThree()
    {
        var y = Put(0, 0, 0, 0, 0, 0);
        _backend.SoftmaxForward(2, 3, 1, Put(1, 2, 3, 0, 0, 0), y);
        // e^(x−3) / (1 + e^−1 + e^−2)
        Near([0.09003057f, 0.24472847f, 0.66524096f, 1f / 3, 1f / 3, 1f / 3], Get(y));
    }

    [Fact]
    public void SoftmaxOverChannelsWithSpatialPositions()
    {
        // outer 1, channels 3, inner 2: position 0 has scores (1, 2, 3), position 1 has (5, 5, 5).
        var y = Put(0, 0, 0, 0, 0, 0);
        _backend.SoftmaxForward(1, 3, 2, Put(1, 5, 2, 5, 3, 5), y);
        Near([0.09003057f, 1f / 3, 0.24472847f, 1f / 3, 0.66524096f, 1f / 3], Get(y));
    }

    [Fact]
    public void SoftmaxSubtractsTheMaximumLikeCaffe()
    {
        // exp(1000) overflows float: only exp(x − max) keeps large logits finite.
        var y = Put(0, 0);
        _backend.SoftmaxForward(1, 2, 1, Put(1000, 0), y);
        Near([1f, 0f], Get(y));
        var z = Put(0, 0, 0, 0);
        _backend.SoftmaxForward(1, 2, 2, Put(1000, 0, 0, 1000), z);
        Near([1f, 0f, 0f, 1f], Get(z));
    }

    [Fact]
    public void SoftmaxCrossEntropySkipsIgnoredLabelsAndFloorsAtFltMin()
    {
        var p = Put(0.25f, 0.75f, 0.5f, 0.5f, 1f, 0f);
        var labels = Put(1, 0, 1);
        var (loss, valid) = _backend.SoftmaxCrossEntropy(3, 2, 1, p, labels, ignoreLabel: 0);
        // −log 0.75 − log max(0, FLT_MIN); the second sample is ignored.
        Assert.Equal(2, valid);
        Assert.Equal(-MathF.Log(0.75f) - MathF.Log(1.17549435e-38f), loss, 4);
        (loss, valid) = _backend.SoftmaxCrossEntropy(2, 2, 1, p, labels, ignoreLabel: null);
        Assert.Equal(2, valid);
        Assert.Equal(-MathF.Log(0.75f) - MathF.Log(0.5f), loss, 5);
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientIsScaledProbabilityMinusOneHot()
    {
        var dx = Put(9, 9, 9, 9, 9, 9);
        _backend.SoftmaxCrossEntropyBackward(3, 2, 1, Put(0.25f, 0.75f, 0.5f, 0.5f, 0.1f, 0.9f), Put(1, 0, 0), ignoreLabel: 0, 0.5f, dx);
        Near([0.125f, -0.125f, 0f, 0f, 0f, 0f], Get(dx));
        _backend.SoftmaxCrossEntropyBackward(3, 2, 1, Put(0.25f, 0.75f, 0.5f, 0.5f, 0.1f, 0.9f), Put(1, 0, 0), ignoreLabel: null, 2f, dx);
        Near([0.5f, -0.5f, -1f, 1f, -1.8f, 1.8f], Get(dx));
    }

    [Fact]
    public void LabelsOutsideTheClassesAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => _backend.SoftmaxCrossEntropy(1, 2, 1, Put(0.5f, 0.5f), Put(2), null));
        Assert.Throws<InvalidDataException>(() => _backend.AccuracyCount(1, 2, 1, Put(0.5f, 0.5f), Put(-1), 1, null));
    }

    [Theory]
    // Caffe (accuracy_layer.cpp) counts the classes scoring at least the label's, the label included, so a tie
    // with another class counts against the label.
    [InlineData(new float[] { 0.1f, 0.7f, 0.2f }, 1, 1, true)]
    [InlineData(new float[] { 0.1f, 0.7f, 0.2f }, 2, 1, false)]
    [InlineData(new float[] { 0.1f, 0.7f, 0.2f }, 2, 2, true)]
    [InlineData(new float[] { 0.1f, 0.5f, 0.5f }, 1, 1, false)]
    [InlineData(new float[] { 0.1f, 0.5f, 0.5f }, 2, 1, false)]
    [InlineData(new float[] { 0.1f, 0.5f, 0.5f }, 1, 2, true)]
    [InlineData(new float[] { 0.5f, 0.5f, 0.5f }, 0, 2, false)]
    [InlineData(new float[] { 0.5f, 0.5f, 0.5f }, 0, 3, true)]
    public void AccuracyFollowsCaffesTopKTies(float[] scores, int label, int topK, bool hit)
    {
        var (correct, counted) = _backend.AccuracyCount(1, 3, 1, Put(scores), Put(label), topK, ignoreLabel: null);
        Assert.Equal((hit ? 1 : 0, 1), (correct, counted));
    }

    [Fact]
    public void AccuracyOverSpatialPositionsSkipsIgnoredLabels()
    {
        // outer 1, channels 2, inner 3: position scores (0.9, 0.1), (0.2, 0.8), (0.6, 0.4).
        var scores = Put(0.9f, 0.2f, 0.6f, 0.1f, 0.8f, 0.4f);
        Assert.Equal((2, 3), _backend.AccuracyCount(1, 2, 3, scores, Put(0, 1, 1), 1, null));
        Assert.Equal((1, 2), _backend.AccuracyCount(1, 2, 3, scores, Put(0, 5, 1), 1, ignoreLabel: 5));
    }

    [Fact]
    public void SgdUpdateNormalizesRegularizesAndAppliesMomentum()
    {
        // d = 0.5·g + 0.1·w = (0.6, −1.2); h = 0.9·h + 0.1·d = (0.51, 0.33); w −= h → (0.49, −2.33).
        var weights = Put(1, -2);
        var gradient = Put(1, -2);
        var history = Put(0.5f, 0.5f);
        _backend.SgdUpdate(weights, gradient, history, new RegularizedGradient(0.5f, 0.1f, Regularization.L2), momentum: 0.9f, rate: 0.1f);
        Near([0.51f, 0.33f], Get(history));
        Near([0.49f, -2.33f], Get(weights));
        Near([1f, -2f], Get(gradient));
    }
}
