using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// The kernels that compute each element alone. They perform the CPU backend's operations in its
/// order (a product, then a sum; no fused multiply-add, which the CPU accelerator's JIT does not
/// form either), so they must give its bits.
/// </summary>
public sealed class ElementwiseKernelTests(BackendPair pair) : IClassFixture<BackendPair>
{
    /// <summary>Runs a unary-shaped operation x → y on both backends and asserts the same bits.</summary>
    private void Identical(int length, Action<IComputeBackend, BufferView, BufferView> operation, int seed = 1)
    {
        var x = pair.Put(Inputs.Uniform(length, seed));
        var y = pair.Put(Inputs.Uniform(length, seed + 100));
        pair.Run((backend, v) => operation(backend, v(x), v(y)));
        pair.AssertIdentical(y);
    }

    /// <summary>Runs an operation (a, b) → y on both backends and asserts the same bits.</summary>
    private void Identical(int length, Action<IComputeBackend, BufferView, BufferView, BufferView> operation, float[]? b = null)
    {
        var a = pair.Put(Inputs.Uniform(length, 2));
        var bs = pair.Put(b ?? Inputs.Uniform(length, 3, 0.25f, 4f));
        var y = pair.Put(Inputs.Uniform(length, 4));
        pair.Run((backend, v) => operation(backend, v(a), v(bs), v(y)));
        pair.AssertIdentical(y);
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Arithmetic_gives_the_cpu_bits(int length)
    {
        Identical(length, (b, x, y, z) => b.Add(x, y, z));
        Identical(length, (b, x, y, z) => b.Subtract(x, y, z));
        Identical(length, (b, x, y, z) => b.Multiply(x, y, z));
        Identical(length, (b, x, y, z) => b.Divide(x, y, z));
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Blas_level_one_gives_the_cpu_bits(int length)
    {
        Identical(length, (b, x, y) => b.Axpy(-1.7f, x, y));
        Identical(length, (b, x, y) => b.Axpby(0.3f, x, -2.1f, y));
        Identical(length, (b, x, y) => b.Scale(1.3f, x));
        Identical(length, (b, x, y) => b.Copy(x, y));
        Identical(length, (b, x, y) => b.Fill(y, -0.37f));
    }

    [Fact]
    public void Axpby_with_beta_zero_does_not_read_y()
    {
        var x = pair.Put([1f, -2f, 3f]);
        var y = pair.Put([float.NaN, float.PositiveInfinity, float.NaN]);
        pair.Run((b, v) => b.Axpby(2f, v(x), 0f, v(y)));
        Assert.Equal([2f, -4f, 6f], pair.Get(y).Gpu);
        pair.AssertIdentical(y);
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Relu_and_its_keras_variants_give_the_cpu_bits(int length)
    {
        Identical(length, (b, x, y) => b.ReluForward(x, y, 0f));
        Identical(length, (b, x, y) => b.ReluForward(x, y, 0.1f));
        Identical(length, (b, x, dy, dx) => b.ReluBackward(x, dy, dx, 0f));
        Identical(length, (b, x, dy, dx) => b.ReluBackward(x, dy, dx, 0.1f));
        foreach (var (slope, threshold, max) in new[] { (0f, 0f, 6f), (0.2f, 0.5f, 2f), (0.3f, -1f, float.PositiveInfinity), (0f, 0f, float.PositiveInfinity) })
        {
            Identical(length, (b, x, y) => b.ClippedReluForward(x, y, slope, threshold, max));
            Identical(length, (b, x, dy, dx) => b.ClippedReluBackward(x, dy, dx, slope, threshold, max));
        }
    }

    [Fact]
    public void Clipped_relu_kinks_take_the_forward_pieces_slopes()
    {
        // Inputs exactly at the threshold and at the maximum, where the derivative's piece is decided.
        float[] kinks = [0.5f, 2f, 0.5f, 2f, -1f, 3f, 0.25f];
        Identical(kinks.Length, (b, x, dy, dx) => b.ClippedReluBackward(x, dy, dx, 0.2f, 0.5f, 2f), b: kinks);
        var x = pair.Put(kinks);
        var dy = pair.Put([1f, 1f, 1f, 1f, 1f, 1f, 1f]);
        var dx = pair.Zeros(kinks.Length);
        pair.Run((b, v) => b.ClippedReluBackward(v(x), v(dy), v(dx), 0.2f, 0.5f, 2f));
        Assert.Equal([0.2f, 0f, 0.2f, 0f, 0.2f, 0f, 0.2f], pair.Get(dx).Gpu);
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Sigmoid_and_tanh_gradients_give_the_cpu_bits(int length)
    {
        Identical(length, (b, y, dy, dx) => b.SigmoidBackward(y, dy, dx));
        Identical(length, (b, y, dy, dx) => b.TanhBackward(y, dy, dx));
    }

    /// <summary>
    /// Sigmoid and tanh differ by their exponential: the CPU backend's TensorPrimitives evaluates
    /// vectorized polynomials, the kernel the C library's expf / tanhf (on the CPU accelerator).
    /// Each is within a few ulps of the true value, so the two may be a few ulps apart, and
    /// TensorPrimitives' tanh, computed through e^2x, also leaves an absolute error of about u near
    /// 0 (it gives tanh(0) = −5.96e−8). Bound: 4 ulps of the result plus 2u absolute.
    /// </summary>
    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Sigmoid_and_tanh_are_within_a_few_ulps_of_the_cpu(int length)
    {
        foreach (var forward in new Action<IComputeBackend, BufferView, BufferView>[] { (b, x, y) => b.SigmoidForward(x, y), (b, x, y) => b.TanhForward(x, y) })
        {
            var x = pair.Put(Inputs.Uniform(length, 5, -12f, 12f));
            var y = pair.Zeros(length);
            pair.Run((b, v) => forward(b, v(x), v(y)));
            var (expected, actual) = pair.Get(y);
            Tolerance.AssertWithin(expected, actual, i => 8 * Tolerance.UnitRoundoff * Math.Abs(expected[i]) + 2 * Tolerance.UnitRoundoff);
        }
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Losses_gradients_and_signs_give_the_cpu_bits(int length)
    {
        var probabilities = Inputs.Uniform(length, 6, 0f, 1f);
        probabilities[0] = 0f;
        var targets = Inputs.Labels(length, 2, 7);
        var p = pair.Put(probabilities);
        var t = pair.Put(targets);
        var dx = pair.Put(Inputs.Uniform(length, 8));
        pair.Run((b, v) => b.BinaryCrossEntropyBackward(v(p), v(t), 1e-7f, 0.5f, v(dx)));
        pair.AssertIdentical(dx);
        pair.Run((b, v) => b.SigmoidCrossEntropyBackward(v(p), v(t), 1, -0.25f, v(dx)));
        pair.AssertIdentical(dx);
        pair.Run((b, v) => b.SigmoidCrossEntropyBackward(v(p), v(t), null, 0.25f, v(dx)));
        pair.AssertIdentical(dx);
        Identical(length, (b, x, y) => b.ScaledSign(x, -0.75f, y));
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Dropout_draws_the_cpu_mask(int length)
    {
        foreach (var (key, ratio) in new[] { (0x1234_5678_9ABC_DEF0UL, 0.5f), (42UL, 0.2f), (7UL, 0.9f) })
        {
            Identical(length, (b, x, y) => b.DropoutForward(x, y, key, ratio, 1f / (1f - ratio)));
            Identical(length, (b, dy, dx) => b.DropoutBackward(dy, dx, key, ratio, 1f / (1f - ratio)));
        }
    }

    [Theory]
    [MemberData(nameof(Inputs.Lengths), MemberType = typeof(Inputs))]
    public void Eltwise_max_gives_the_cpu_bits_and_winners(int length)
    {
        var y = pair.Zeros(length);
        var argmax = pair.Zeros(length);
        // Bottom 1 repeats bottom 0 in places (Inputs mixes in copies of the previous value), so ties occur.
        var bottoms = new[] { Inputs.Uniform(length, 9), Inputs.Uniform(length, 9), Inputs.Uniform(length, 10) };
        for (int index = 0; index < bottoms.Length; index++)
        {
            var x = pair.Put(bottoms[index]);
            int bottom = index;
            pair.Run((b, v) => b.EltwiseMaxForward(v(x), bottom, v(y), v(argmax)));
            pair.AssertIdentical(y);
            pair.AssertIdentical(argmax);
        }
        var dy = pair.Put(Inputs.Uniform(length, 11));
        var dx = pair.Zeros(length);
        for (int index = 0; index < bottoms.Length; index++)
        {
            int bottom = index;
            pair.Run((b, v) => b.EltwiseMaxBackward(v(dy), v(argmax), bottom, v(dx)));
            pair.AssertIdentical(dx);
        }
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(3, 5, 7, 2)]
    [InlineData(13, 17, 5, 1)]
    public void Block_copies_and_transposes_give_the_cpu_layout(int blocks, int length, int gap, int block)
    {
        var source = pair.Put(Inputs.Uniform(blocks * (length + gap), 12));
        var destination = pair.Put(Inputs.Uniform(blocks * (length + gap + 1), 13));
        pair.Run((b, v) => b.CopyBlocks(v(source), length + gap, v(destination), length + gap + 1, blocks, length));
        pair.AssertIdentical(destination);

        int width = block + 1;
        var x = pair.Put(Inputs.Uniform(blocks * length * width, 14));
        var y = pair.Zeros(blocks * length * width);
        pair.Run((b, v) => b.TransposeBlocks(v(x), blocks, length, width, v(y)));
        pair.AssertIdentical(y);
    }
}
