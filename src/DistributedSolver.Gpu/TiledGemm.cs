using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>
/// The shared-memory GEMM kernel: what the CPU accelerator runs, and the CUDA fallback when cuBLAS
/// cannot be loaded. The tile is the largest of 16, 8, 4, 2 that fits the device's group and
/// shared memory; it changes speed only (see <see cref="GemmKernel"/>).
/// </summary>
internal sealed class TiledGemm : IDeviceGemm
{
    private readonly Action<KernelConfig, int, int, int, int, int, float, ArrayView<float>, ArrayView<float>, float, ArrayView<float>> _kernel;

    private readonly string? _fallbackReason;

    /// <param name="fallbackReason">Why cuBLAS is not used, where this kernel stands in for it.</param>
    public TiledGemm(Accelerator accelerator, KernelCache kernels, string? fallbackReason)
    {
        _fallbackReason = fallbackReason;
        Tile = TileFor(accelerator.MaxNumThreadsPerGroup, accelerator.MaxSharedMemoryPerGroup);
        _kernel = kernels.Get(nameof(GemmKernel.Tiled), null, static a =>
            a.LoadStreamKernel<int, int, int, int, int, float, ArrayView<float>, ArrayView<float>, float, ArrayView<float>>(GemmKernel.Tiled));
    }

    public int Tile { get; }

    public string Description => _fallbackReason is null
        ? $"tiled ILGPU kernel, {Tile}×{Tile} tiles"
        : $"tiled ILGPU kernel, {Tile}×{Tile} tiles ({_fallbackReason})";

    internal static int TileFor(int maxThreadsPerGroup, long maxSharedBytes)
    {
        for (int tile = 16; tile > 1; tile /= 2)
            if (tile * tile <= maxThreadsPerGroup && 2L * tile * tile * sizeof(float) <= maxSharedBytes)
                return tile;
        throw new NotSupportedException($"a device with {maxThreadsPerGroup} threads per group cannot run the tiled GEMM");
    }

    public void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        var config = new KernelConfig(
            new Index2D((n + Tile - 1) / Tile, (m + Tile - 1) / Tile),
            new Index2D(Tile, Tile),
            SharedMemoryConfig.RequestDynamic<float>(2 * Tile * Tile));
        _kernel(config, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, b, beta, c);
    }
}
