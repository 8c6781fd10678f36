namespace DistributedSolver.Backend.Cpu;

/// <summary>
/// A single-threaded row-major sgemm, C = alpha·op(A)·op(B) + beta·C, on raw storage with leading
/// dimensions so that <see cref="CpuGemm"/> can hand it one tile of C at a time. Several tiles run
/// concurrently on the same instance, so an implementation keeps no mutable shared state.
/// Callers guarantee m, n, k ≥ 1 and alpha ≠ 0; beta == 0 means C's old content is never read.
/// </summary>
internal unsafe interface ISgemmKernel
{
    string Description { get; }

    /// <summary>What decides its bits (<see cref="IComputeBackend.Arithmetic"/>).</summary>
    string Arithmetic { get; }

    void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
