namespace DistributedSolver.Backend.Cpu;

/// <summary>
/// Row-major sgemm that is deterministic across thread counts: C is cut into tiles whose bounds
/// depend only on (m, n, k), each tile is one single-threaded kernel call, and the thread count
/// only decides how many tiles run at once.
/// </summary>
internal sealed unsafe class CpuGemm : IDisposable
{
    // Tiles are multiples of this many rows or columns, so column tiles hold whole SIMD vectors.
    private const int TileUnit = 64;

    // A tile smaller than this many multiply-adds costs more in thread handoff than it saves.
    private const long MinTileWork = 1 << 22;

    private readonly ISgemmKernel _kernel;
    private readonly ParallelOptions _parallel;
    private bool _disposed;

    private CpuGemm(ISgemmKernel kernel, int threads)
    {
        _kernel = kernel;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public static CpuGemm Create(CpuBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Threads, 1, nameof(options.Threads));
        ISgemmKernel kernel = options.Gemm switch
        {
            GemmProvider.Auto => (ISgemmKernel?)OpenBlasSgemm.TryLoad() ?? ManagedSgemm.Instance,
            GemmProvider.OpenBlas => OpenBlasSgemm.Load(),
            GemmProvider.Managed => ManagedSgemm.Instance,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Gemm, "unknown GEMM provider"),
        };
        return new CpuGemm(kernel, options.Threads);
    }

    public string Arithmetic => _kernel.Arithmetic;

    public string Description
    {
        get
        {
            int threads = _parallel.MaxDegreeOfParallelism;
            return threads == 1
                ? $"{_kernel.Description}, 1 thread"
                : $"{_kernel.Description}, 1 thread per tile, up to {threads} tiles in parallel";
        }
    }

    /// <summary>How C is cut: tiles of <paramref name="Size"/> rows (or columns), the last one possibly shorter.</summary>
    internal readonly record struct Tiling(bool SplitRows, int Size, int Count);

    /// <summary>The tiling of an m×n×k product. A function of the shape alone: that is the determinism contract.</summary>
    internal static Tiling Plan(int m, int n, int k)
    {
        bool splitRows = m > n;
        int length = splitRows ? m : n;
        long workPerLine = (long)(splitRows ? n : m) * k;
        int size = TileUnit;
        while (size < length && size * workPerLine < MinTileWork)
            size *= 2;
        size = Math.Min(size, length);
        return new Tiling(splitRows, size, (length + size - 1) / size);
    }

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        // The kernels work on raw pointers, so every bound is checked here.
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        CheckMatrix(c.Length, m, n, ldc, nameof(c));
        if (m == 0 || n == 0)
            return;
        if (k == 0 || alpha == 0f)
        {
            // BLAS semantics: op(A)·op(B) is not read at all, so NaN in A or B cannot leak.
            ScaleRows(m, n, beta, c, ldc);
            return;
        }

        Tiling tiling = Plan(m, n, k);
        fixed (float* pa = a, pb = b, pc = c)
        {
            var tile = new TileJob(_kernel, tiling, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            // Same tiles either way, so running them inline gives the same bits as in parallel.
            if (tiling.Count == 1 || _parallel.MaxDegreeOfParallelism == 1)
            {
                for (int t = 0; t < tiling.Count; t++)
                    tile.Run(t);
            }
            else
            {
                Parallel.For(0, tiling.Count, _parallel, tile.Run);
            }
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException(name, $"leading dimension {ld} of {name} is less than its {cols} columns");
        if (rows > 0 && cols > 0 && (long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"{name}: a {rows}×{cols} matrix with leading dimension {ld} does not fit {length} elements", name);
    }

    private static void ScaleRows(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f)
                row.Clear();
            else
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>One GEMM's arguments, shared by its tiles; pointers live in a class because lambdas cannot capture spans.</summary>
    private sealed class TileJob(ISgemmKernel kernel, Tiling tiling, bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        public void Run(int tile)
        {
            int start = tile * tiling.Size;
            if (tiling.SplitRows)
            {
                int rows = Math.Min(tiling.Size, m - start);
                float* aTile = transA ? a + start : a + (long)start * lda;
                kernel.Multiply(transA, transB, rows, n, k, alpha, aTile, lda, b, ldb, beta, c + (long)start * ldc, ldc);
            }
            else
            {
                int cols = Math.Min(tiling.Size, n - start);
                float* bTile = transB ? b + (long)start * ldb : b + start;
                kernel.Multiply(transA, transB, m, cols, k, alpha, a, lda, bTile, ldb, beta, c + start, ldc);
            }
        }
    }

    public void Dispose() => _disposed = true;
}
