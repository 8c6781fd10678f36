namespace DistributedSolver.Randomness;

/// <summary>
/// Seeds derived from (random_seed, iteration, unit …) with SplitMix64, so randomness inside a
/// unit is the same in every process (HashCode is randomized per process and cannot serve).
/// </summary>
public static class DeterministicSeed
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    public static int Mix(long seed, params ReadOnlySpan<long> values) => (int)(MixKey(seed, values) >> 33);

    /// <summary>The full 64-bit mix, a key for <see cref="Uniform"/>.</summary>
    public static ulong MixKey(long seed, params ReadOnlySpan<long> values)
    {
        ulong state = (ulong)seed;
        foreach (long v in values) state = SplitMix(state ^ (ulong)v);
        return SplitMix(state);
    }

    /// <summary>
    /// Draw <paramref name="counter"/> of the stream <paramref name="key"/>, uniform in [0, 1) on a
    /// 2⁻²⁴ grid: SplitMix64's output at state key + counter·γ. Counter-based, so each element's
    /// draw is computed alone, on any thread or device, with the same bits.
    /// </summary>
    public static float Uniform(ulong key, long counter) => (SplitMix(key + (ulong)counter * Gamma) >> 40) * (1f / (1 << 24));

    private static ulong SplitMix(ulong x)
    {
        x += Gamma;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
