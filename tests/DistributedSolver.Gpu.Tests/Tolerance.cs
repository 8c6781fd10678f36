namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// The comparisons of kernel results with the CPU backend's. Where both compute the same
/// operations in the same order, they must agree to the bit. Where the order of a sum differs,
/// each result is within γ_n·Σ|terms| of the exact sum (Higham's bound for any summation order,
/// γ_n = n·u / (1 − n·u), u = 2⁻²⁴), so the two are within twice that of each other.
/// </summary>
internal static class Tolerance
{
    public const double UnitRoundoff = 1.0 / (1 << 24);

    public static double Gamma(int n) => n * UnitRoundoff / (1 - n * UnitRoundoff);

    public static void AssertIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]) && float.IsNaN(actual[i])) continue;
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"[{i}] = {actual[i]:R}, the CPU backend gives {expected[i]:R}");
        }
    }

    /// <summary>|actual − expected| ≤ bound(i) for every element.</summary>
    public static void AssertWithin(float[] expected, float[] actual, Func<int, double> bound)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            Assert.True(difference <= bound(i), $"[{i}] = {actual[i]:R}, the CPU backend gives {expected[i]:R}: {difference:G3} apart, bound {bound(i):G3}");
        }
    }
}
