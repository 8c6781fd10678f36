namespace DistributedSolver.Randomness;

/// <summary>
/// Seeds derived from (random_seed, iteration, unit …) with SplitMix64, so randomness inside a
/// unit is the same in every process (HashCode is randomized per process and cannot serve).
/// </summary>
public static class DeterministicSeed
{
    public static int Mix(long seed, params ReadOnlySpan<long> values)
    {
        ulong state = (ulong)seed;
        foreach (long v in values) state = SplitMix(state ^ (ulong)v);
        return (int)(SplitMix(state) >> 33);
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
