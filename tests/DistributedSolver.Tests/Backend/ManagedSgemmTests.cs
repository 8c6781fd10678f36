using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;
using static DistributedSolver.Tests.Backend.CpuGemmTests;

namespace DistributedSolver.Tests.Backend;

public sealed unsafe class ManagedSgemmTests
{
    private delegate void Kernel(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    private static float[] Run(Kernel kernel, Problem p, int rowStart, int rows, int colStart, int cols)
    {
        float[] c = (float[])p.C.Clone();
        fixed (float* a = p.A, b = p.B, pc = c)
        {
            float* aSub = p.TransA ? a + rowStart : a + rowStart * p.Lda;
            float* bSub = p.TransB ? b + colStart * p.Ldb : b + colStart;
            kernel(p.TransA, p.TransB, rows, cols, p.K, 0.5f, aSub, p.Lda, bSub, p.Ldb, 2f, pc + rowStart * p.Ldc + colStart, p.Ldc);
        }
        return c;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void EveryVectorWidthGivesTheSameBits(bool transA, bool transB)
    {
        // Two k-blocks and partial register tiles in both directions.
        var p = Problem.Random(new Random(3), transA, transB, 37, 70, ManagedSgemm.KC + 45, pad: 1);
        float[] v128 = Run(ManagedSgemm.Multiply<Simd128>, p, 0, p.M, 0, p.N);
        AssertSameBits(v128, Run(ManagedSgemm.Multiply<Simd256>, p, 0, p.M, 0, p.N));
        AssertSameBits(v128, Run(ManagedSgemm.Multiply<Simd512>, p, 0, p.M, 0, p.N));
        p.AssertClose(0.5f, 2f, v128);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void AnElementsBitsDoNotDependOnItsPositionInTheTile(bool transA, bool transB)
    {
        var p = Problem.Random(new Random(5), transA, transB, 50, 90, ManagedSgemm.KC + 44, pad: 0);
        float[] whole = Run(ManagedSgemm.Instance.Multiply, p, 0, p.M, 0, p.N);
        float[] part = Run(ManagedSgemm.Instance.Multiply, p, 7, 31, 13, 64);
        for (int i = 7; i < 38; i++)
        for (int j = 13; j < 77; j++)
            Assert.Equal(BitConverter.SingleToInt32Bits(whole[i * p.Ldc + j]), BitConverter.SingleToInt32Bits(part[i * p.Ldc + j]));
    }

    [Fact]
    public void CpuBackendGemmOnViewsUsesTheManagedKernel()
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Gemm = GemmProvider.Managed, Threads = 2 });
        Assert.Contains("managed SIMD", backend.Description);
        const int m = 33, n = 70, k = 19;
        var random = new Random(11);
        float[] a = RandomValues(random, k * m), b = RandomValues(random, n * k), c = RandomValues(random, m * n);
        // Views at odd offsets inside larger buffers, as parameter blobs sit in the flat parameter buffer.
        var buffer = backend.Allocate(5 + a.Length + b.Length + c.Length + 3);
        var va = new BufferView(buffer, 5, a.Length);
        var vb = new BufferView(buffer, 5 + a.Length, b.Length);
        var vc = new BufferView(buffer, 5 + a.Length + b.Length, c.Length);
        backend.Upload(a, va);
        backend.Upload(b, vb);
        backend.Upload(c, vc);
        backend.Gemm(Transpose.Yes, Transpose.Yes, m, n, k, 1.5f, va, vb, -1f, vc);
        float[] result = new float[c.Length];
        backend.Download(vc, result);
        new Problem(true, true, m, n, k, a, m, b, k, c, n).AssertClose(1.5f, -1f, result);
    }

    [Theory]
    [InlineData(Transpose.No)]
    [InlineData(Transpose.Yes)]
    public void CpuBackendGemvMatchesTheReference(Transpose transpose)
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Gemm = GemmProvider.Managed });
        const int m = 5, n = 3;
        float[] a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        float[] x = transpose == Transpose.No ? [1, 0, -1] : [1, 0, -1, 2, 0.5f];
        float[] expected = transpose == Transpose.No
            ? [2 * -2f, 2 * -2f, 2 * -2f, 2 * -2f, 2 * -2f]
            : [2 * (1 - 7 + 20 + 6.5f), 2 * (2 - 8 + 22 + 7f), 2 * (3 - 9 + 24 + 7.5f)];
        var va = backend.Allocate(a.Length);
        var vx = backend.Allocate(x.Length);
        var vy = backend.Allocate(expected.Length);
        backend.Upload(a, new BufferView(va, 0, a.Length));
        backend.Upload(x, new BufferView(vx, 0, x.Length));
        backend.Fill(new BufferView(vy, 0, expected.Length), float.NaN);
        backend.Gemv(transpose, m, n, 2f, new BufferView(va, 0, a.Length), new BufferView(vx, 0, x.Length), 0f, new BufferView(vy, 0, expected.Length));
        float[] y = new float[expected.Length];
        backend.Download(new BufferView(vy, 0, y.Length), y);
        Assert.Equal(expected, y);
    }

    private static float[] RandomValues(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}
