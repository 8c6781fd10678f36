namespace DistributedSolver.Backend.Cpu;

/// <summary>Which single-threaded sgemm kernel computes each GEMM tile.</summary>
public enum GemmProvider
{
    /// <summary>OpenBLAS when libopenblas can be loaded, else the managed SIMD kernel.</summary>
    Auto,
    OpenBlas,
    Managed,
}

public sealed record CpuBackendOptions
{
    /// <summary>
    /// How many GEMM tiles run at once. Only changes speed: the tiling itself is a function of
    /// the matrix shape alone, so every thread count gives the same bits.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public GemmProvider Gemm { get; init; } = GemmProvider.Auto;
}
