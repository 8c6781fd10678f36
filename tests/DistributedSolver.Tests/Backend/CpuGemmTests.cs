using System.Runtime.InteropServices;
using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Tests.Backend;

public sealed class CpuGemmTests
{
    private static readonly string[] LibraryDirectories =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"];

    private static bool OpenBlasLoaded => OpenBlasSgemm.TryLoad() is not null;

    /// <summary>The providers the comparison tests run on; an OpenBLAS case passes vacuously where it is not installed (see <see cref="OpenBlasLoadsWhereverItIsInstalled"/>).</summary>
    public static TheoryData<GemmProvider> Providers => [GemmProvider.Managed, GemmProvider.OpenBlas];

    private static bool Unavailable(GemmProvider provider) => provider == GemmProvider.OpenBlas && !OpenBlasLoaded;

    [Fact]
    public void OpenBlasLoadsWhereverItIsInstalled()
    {
        bool installed = LibraryDirectories.Any(dir => OpenBlasSgemm.LibraryNames.Any(name => File.Exists(Path.Combine(dir, name))));
        if (installed)
            Assert.True(OpenBlasLoaded, "libopenblas is installed but did not load");
        using var auto = CpuGemm.Create(new CpuBackendOptions { Threads = 2 });
        Assert.Equal(OpenBlasLoaded, auto.Description.StartsWith("OpenBLAS ", StringComparison.Ordinal));
        Assert.EndsWith("1 thread per tile, up to 2 tiles in parallel", auto.Description);
    }

    [Fact]
    public void RequestingMissingOpenBlasThrowsWithTheFix()
    {
        if (OpenBlasLoaded)
            return;
        var error = Assert.Throws<DllNotFoundException>(() => CpuGemm.Create(new CpuBackendOptions { Gemm = GemmProvider.OpenBlas }));
        Assert.Contains("libopenblas.so.0", error.Message);
        Assert.Contains("apt-get install libopenblas0-pthread", error.Message);
    }

    [Fact]
    public void ManagedDescriptionNamesTheKernel()
    {
        using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = GemmProvider.Managed, Threads = 1 });
        Assert.StartsWith("managed SIMD (", gemm.Description);
        Assert.EndsWith(", 1 thread", gemm.Description);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void FewerThanOneThreadIsRejected(int threads) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuGemm.Create(new CpuBackendOptions { Threads = threads }));

    public static TheoryData<GemmProvider, bool, bool, int, int, int> Cases()
    {
        (int M, int N, int K)[] sizes =
            [(1, 1, 1), (3, 17, 5), (17, 3, 65), (65, 130, 17), (130, 65, 300), (7, 200, 1), (200, 7, 3), (1, 129, 513)];
        var data = new TheoryData<GemmProvider, bool, bool, int, int, int>();
        foreach (var provider in new[] { GemmProvider.Managed, GemmProvider.OpenBlas })
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (var (m, n, k) in sizes)
            data.Add(provider, transA, transB, m, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesDoublePrecisionReference(GemmProvider provider, bool transA, bool transB, int m, int n, int k)
    {
        if (Unavailable(provider))
            return;
        var random = new Random(m * 1_000_003 + n * 1009 + k);
        // Leading dimensions wider than the matrices, with NaN in the gaps: reading a gap would poison the result.
        var p = Problem.Random(random, transA, transB, m, n, k, pad: 3);
        foreach (var (alpha, beta) in new[] { (1f, 0f), (0.75f, -1.5f), (-2f, 1f) })
        {
            float[] c = (float[])p.C.Clone();
            using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = provider, Threads = 2 });
            gemm.Multiply(transA, transB, m, n, k, alpha, p.A, p.Lda, p.B, p.Ldb, beta, c, p.Ldc);
            p.AssertClose(alpha, beta, c);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void BetaZeroIgnoresNaNInC(GemmProvider provider)
    {
        if (Unavailable(provider))
            return;
        using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = provider, Threads = 2 });
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            var p = Problem.Random(new Random(7), transA, transB, 70, 150, 40, pad: 0);
            float[] c = new float[p.C.Length];
            Array.Fill(c, float.NaN);
            gemm.Multiply(transA, transB, 70, 150, 40, 1.25f, p.A, p.Lda, p.B, p.Ldb, 0f, c, p.Ldc);
            p.AssertClose(1.25f, 0f, c);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public void EmptyInnerDimensionOrZeroAlphaOnlyScalesC(GemmProvider provider)
    {
        if (Unavailable(provider))
            return;
        using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = provider });
        float[] nan = [float.NaN, float.NaN, float.NaN, float.NaN];
        float[] c = [1, 2, 3, 4];
        gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
        Assert.Equal([0.5f, 1f, 1.5f, 2f], c);
        gemm.Multiply(false, false, 2, 2, 2, 0f, nan, 2, nan, 2, 2f, c, 2);
        Assert.Equal([1f, 2f, 3f, 4f], c);
        gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, nan, 2);
        Assert.Equal([0f, 0f, 0f, 0f], nan);
    }

    [Fact]
    public void MatricesThatDoNotFitTheirSpansAreRejected()
    {
        using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = GemmProvider.Managed });
        float[] four = new float[4];
        Assert.Throws<ArgumentException>(() => gemm.Multiply(false, false, 2, 2, 3, 1f, four, 3, four, 2, 0f, four, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => gemm.Multiply(false, false, 2, 2, 2, 1f, four, 1, four, 2, 0f, four, 2));
        Assert.Throws<ArgumentException>(() => gemm.Multiply(false, false, 2, 2, 2, 1f, four, 2, four, 2, 0f, new float[3], 2));
    }

    [Fact]
    public void MultiplyAfterDisposeThrows()
    {
        var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = GemmProvider.Managed });
        gemm.Dispose();
        Assert.Throws<ObjectDisposedException>(() => gemm.Multiply(false, false, 1, 1, 1, 1f, [1f], 1, [1f], 1, 0f, new float[1], 1));
    }

    [Fact]
    public void TilingDependsOnlyOnTheShape()
    {
        Assert.Equal(new CpuGemm.Tiling(false, 128, 4), CpuGemm.Plan(64, 512, 784));
        Assert.Equal(new CpuGemm.Tiling(true, 64, 1), CpuGemm.Plan(64, 10, 512));
        Assert.Equal(new CpuGemm.Tiling(false, 128, 7), CpuGemm.Plan(512, 784, 64));
        Assert.Equal(new CpuGemm.Tiling(true, 512, 2), CpuGemm.Plan(1024, 8, 1024));
        Assert.Equal(new CpuGemm.Tiling(false, 64, 8), CpuGemm.Plan(512, 512, 512));
        Assert.Equal(new CpuGemm.Tiling(false, 17, 1), CpuGemm.Plan(3, 17, 5));
    }

    /// <summary>The inner products of a 784→512→10 MLP at batch 64: forward X·Wᵀ, weight gradient dYᵀ·X, data gradient dY·W.</summary>
    public static TheoryData<GemmProvider, bool, bool, int, int, int> MlpShapes()
    {
        var data = new TheoryData<GemmProvider, bool, bool, int, int, int>();
        foreach (var provider in new[] { GemmProvider.Managed, GemmProvider.OpenBlas })
        {
            data.Add(provider, false, true, 64, 512, 784);
            data.Add(provider, false, true, 64, 10, 512);
            data.Add(provider, true, false, 512, 784, 64);
            data.Add(provider, true, false, 10, 512, 64);
            data.Add(provider, false, false, 64, 784, 512);
            data.Add(provider, false, false, 64, 512, 10);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MlpShapes))]
    public void EveryThreadCountGivesTheSameBits(GemmProvider provider, bool transA, bool transB, int m, int n, int k)
    {
        if (Unavailable(provider))
            return;
        var p = Problem.Random(new Random(42), transA, transB, m, n, k, pad: 0);
        float[] Run(int threads)
        {
            float[] c = (float[])p.C.Clone();
            using var gemm = CpuGemm.Create(new CpuBackendOptions { Gemm = provider, Threads = threads });
            gemm.Multiply(transA, transB, m, n, k, 1f, p.A, p.Lda, p.B, p.Ldb, 0.5f, c, p.Ldc);
            return c;
        }
        float[] one = Run(1);
        AssertSameBits(one, Run(2));
        AssertSameBits(one, Run(3));
    }

    internal static void AssertSameBits(float[] expected, float[] actual) =>
        Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())),
            "results differ in their bits");

    /// <summary>Random operands of one GEMM with NaN in every gap between rows, and the double-precision reference.</summary>
    internal sealed record Problem(bool TransA, bool TransB, int M, int N, int K,
        float[] A, int Lda, float[] B, int Ldb, float[] C, int Ldc)
    {
        public static Problem Random(Random random, bool transA, bool transB, int m, int n, int k, int pad)
        {
            int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
            return new Problem(transA, transB, m, n, k,
                Matrix(random, transA ? k : m, transA ? m : k, lda), lda,
                Matrix(random, transB ? n : k, transB ? k : n, ldb), ldb,
                Matrix(random, m, n, ldc), ldc);
        }

        private static float[] Matrix(Random random, int rows, int cols, int ld)
        {
            var values = new float[rows * ld];
            Array.Fill(values, float.NaN);
            for (int r = 0; r < rows; r++)
            for (int col = 0; col < cols; col++)
                values[r * ld + col] = (float)(random.NextDouble() * 2 - 1);
            return values;
        }

        private double OpA(int i, int p) => TransA ? A[p * Lda + i] : A[i * Lda + p];
        private double OpB(int p, int j) => TransB ? B[j * Ldb + p] : B[p * Ldb + j];

        /// <summary>Each element within a float-accumulation bound of the double-precision result; gaps untouched.</summary>
        public void AssertClose(float alpha, float beta, float[] actual)
        {
            for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < K; p++)
                {
                    sum += OpA(i, p) * OpB(p, j);
                    magnitude += Math.Abs(OpA(i, p) * OpB(p, j));
                }
                double old = beta == 0f ? 0 : C[i * Ldc + j];
                double expected = alpha * sum + beta * old;
                double tolerance = 1e-6 * (K + 2) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * old)) + 1e-30;
                double got = actual[i * Ldc + j];
                Assert.True(Math.Abs(got - expected) <= tolerance,
                    $"C[{i},{j}] = {got}, expected {expected} ± {tolerance} ({M}×{N}×{K}, transA {TransA}, transB {TransB})");
            }
            for (int i = 0; i < M; i++)
            for (int j = N; j < Ldc && i * Ldc + j < actual.Length; j++)
                Assert.True(float.IsNaN(actual[i * Ldc + j]), $"the gap after row {i} of C was written");
        }
    }
}
