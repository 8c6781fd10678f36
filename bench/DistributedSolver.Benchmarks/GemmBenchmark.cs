using System.Diagnostics;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Benchmarks;

/// <summary>sgemm GFLOP/s per provider and thread count, on a square matrix and the shapes of an MLP's inner products.</summary>
public static class GemmBenchmark
{
    private sealed record Shape(string Name, bool TransA, bool TransB, int M, int N, int K);

    // Inner product at batch 64 with a 784→512→10 MLP: forward is X·Wᵀ, the weight gradient dYᵀ·X, the data gradient dY·W.
    private static readonly Shape[] Shapes =
    [
        new("square 512", false, false, 512, 512, 512),
        new("ip1 forward", false, true, 64, 512, 784),
        new("ip1 weight grad", true, false, 512, 784, 64),
        new("ip1 data grad", false, false, 64, 784, 512),
        new("ip2 forward", false, true, 64, 10, 512),
    ];

    private static readonly TimeSpan MeasureFor = TimeSpan.FromMilliseconds(300);

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var providers = new List<GemmProvider>();
        if (OpenBlasSgemm.TryLoad() is not null)
            providers.Add(GemmProvider.OpenBlas);
        providers.Add(GemmProvider.Managed);
        int[] threadCounts = [1, 2];

        output.WriteLine($"sgemm GFLOP/s (best of batches over {MeasureFor.TotalMilliseconds} ms), {Environment.ProcessorCount} logical CPUs");
        output.Write($"{"provider",-10} {"threads",7} ");
        foreach (var shape in Shapes)
            output.Write($"{$"{shape.Name} {shape.M}×{shape.N}×{shape.K}",28}");
        output.WriteLine();
        foreach (var provider in providers)
        foreach (int threads in threadCounts)
        {
            using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = provider, Threads = threads });
            output.Write($"{provider,-10} {threads,7} ");
            foreach (var shape in Shapes)
                output.Write($"{Measure(gemm, shape),28:F1}");
            output.WriteLine();
        }
        output.WriteLine("kernels: " + string.Join("; ", providers.Select(p =>
        {
            using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = p, Threads = 2 });
            return gemm.Description;
        })));
    }

    private static double Measure(CpuGemm gemm, Shape s)
    {
        var random = new Random(1);
        float[] a = RandomArray(random, s.M * s.K);
        float[] b = RandomArray(random, s.K * s.N);
        float[] c = new float[s.M * s.N];
        int lda = s.TransA ? s.M : s.K;
        int ldb = s.TransB ? s.K : s.N;
        void Once() => gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);

        Once();
        double flops = 2.0 * s.M * s.N * s.K;
        double best = 0;
        var total = Stopwatch.StartNew();
        while (total.Elapsed < MeasureFor)
        {
            // Batches of about a millisecond keep timer resolution out of the small shapes.
            int reps = Math.Max(1, (int)(2e7 / flops));
            var batch = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++)
                Once();
            best = Math.Max(best, flops * reps / batch.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
