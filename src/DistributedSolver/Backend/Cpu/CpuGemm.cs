namespace DistributedSolver.Backend.Cpu;

// PLACEHOLDER (being replaced by the tiled OpenBLAS / managed SIMD implementation).
internal sealed class CpuGemm : IDisposable
{
    public static CpuGemm Create(CpuBackendOptions options) => new();

    public string Description => "naive";

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float sum = 0f;
            for (int p = 0; p < k; p++)
                sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
            c[i * ldc + j] = alpha * sum + (beta == 0f ? 0f : beta * c[i * ldc + j]);
        }
    }

    public void Dispose()
    {
    }
}
