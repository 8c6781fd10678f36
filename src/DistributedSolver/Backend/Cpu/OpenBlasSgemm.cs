using System.Runtime.InteropServices;

namespace DistributedSolver.Backend.Cpu;

/// <summary>OpenBLAS's cblas_sgemm, pinned to one internal thread.</summary>
internal sealed unsafe class OpenBlasSgemm : ISgemmKernel
{
    internal static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0"];

    private const int CblasRowMajor = 101;
    private const int CblasNoTrans = 111;
    private const int CblasTrans = 112;

    // Loaded once per process and never unloaded: OpenBLAS keeps process-wide state (its thread
    // count, thread pool, buffers), and every backend instance shares it.
    private static readonly Lazy<OpenBlasSgemm?> Loaded = new(LoadFirstAvailable);

    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    private OpenBlasSgemm(
        delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm,
        string description, string arithmetic)
    {
        _sgemm = sgemm;
        Description = description;
        Arithmetic = arithmetic;
    }

    public string Description { get; }

    /// <summary>The version and the CPU kernel set OpenBLAS chose: both can change the bits.</summary>
    public string Arithmetic { get; }

    /// <summary>The process's OpenBLAS, or null when none of <see cref="LibraryNames"/> loads.</summary>
    public static OpenBlasSgemm? TryLoad() => Loaded.Value;

    public static OpenBlasSgemm Load() => TryLoad() ?? throw new DllNotFoundException(
        $"GEMM provider OpenBlas was requested but none of {string.Join(", ", LibraryNames)} could be loaded " +
        "(or it lacks cblas_sgemm/openblas_set_num_threads). Install it, e.g. `apt-get install libopenblas0-pthread`, " +
        "or choose GemmProvider.Managed or Auto.");

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        _sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    private static OpenBlasSgemm? LoadFirstAvailable()
    {
        foreach (string name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle))
                continue;
            if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm)
                && NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads))
            {
                // OpenBLAS's multithreaded sgemm changes its bits with the thread count; CpuGemm
                // parallelizes over output tiles instead (DESIGN.md, "The unit of work").
                ((delegate* unmanaged[Cdecl]<int, void>)setThreads)(1);
                return new OpenBlasSgemm(
                    (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm,
                    Version(handle), $"{Version(handle)} {CoreName(handle)}");
            }
            NativeLibrary.Free(handle);
        }
        return null;
    }

    private static string CoreName(nint handle) =>
        NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint getCoreName)
            ? Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<nint>)getCoreName)()) ?? "unknown core"
            : "unknown core";

    // openblas_get_config reads e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
    private static string Version(nint handle)
    {
        if (!NativeLibrary.TryGetExport(handle, "openblas_get_config", out nint getConfig))
            return "OpenBLAS";
        string config = Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<nint>)getConfig)()) ?? "";
        string[] words = config.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 2 ? $"{words[0]} {words[1]}" : "OpenBLAS";
    }
}
