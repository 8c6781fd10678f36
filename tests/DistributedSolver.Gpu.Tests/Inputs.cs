namespace DistributedSolver.Gpu.Tests;

/// <summary>Seeded random inputs, with exact zeros and repeated values mixed in so that ties and signs are exercised.</summary>
internal static class Inputs
{
    /// <summary>Lengths around the 32 lanes of the test accelerator: one element, fewer than a lane set, not a multiple of it, many.</summary>
    public static TheoryData<int> Lengths => new() { 1, 7, 33, 1031 };

    public static float[] Uniform(int length, int seed, float low = -3f, float high = 3f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (random.Next(10)) switch
            {
                0 => 0f,
                1 when i > 0 => values[i - 1],
                _ => low + (high - low) * random.NextSingle(),
            };
        }
        return values;
    }

    /// <summary>Integers in [0, classes) as floats, as label blobs hold them.</summary>
    public static float[] Labels(int length, int classes, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (float)random.Next(classes))];
    }
}
