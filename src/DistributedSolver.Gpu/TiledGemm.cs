using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>
/// The shared-memory GEMM kernel: what the CPU accelerator runs, and the CUDA fallback when cuBLAS
/// cannot be loaded. The tile is the largest of 16, 8, 4, 2 that fits the device's group and
/// shared memory; it changes speed only (see <see cref="GemmKernel"/>). Rows of tiles go on the
/// grid's Y axis, which CUDA limits to 65535: a taller C takes several launches.
/// </summary>
internal sealed class TiledGemm : IDeviceGemm
{
    private readonly Action<KernelConfig, int, int, int, int, int, int, float, ArrayView<float>, ArrayView<float>, float, ArrayView<float>> _kernel;

    private readonly string? _fallbackReason;

    /// <param name="fallbackReason">Why cuBLAS is not used, where this kernel stands in for it.</param>
    public TiledGemm(Accelerator accelerator, KernelCache kernels, string? fallbackReason)
    {
        _fallbackReason = fallbackReason;
        Tile = TileFor(accelerator.MaxNumThreadsPerGroup, accelerator.MaxSharedMemoryPerGroup);
        MaxRowTiles = accelerator.MaxGridSize.Y;
        _kernel = kernels.Get(nameof(GemmKernel.Tiled), null, static a =>
            a.LoadStreamKernel<int, int, int, int, int, int, float, ArrayView<float>, ArrayView<float>, float, ArrayView<float>>(GemmKernel.Tiled));
    }

    public int Tile { get; }

    /// <summary>Rows of tiles per launch: the device's grid height, lower in tests to cross the split.</summary>
    internal int MaxRowTiles
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    }

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
        int rowTiles = (m + Tile - 1) / Tile;
        for (int first = 0; first < rowTiles; first += MaxRowTiles)
        {
            var config = new KernelConfig(
                new Index2D((n + Tile - 1) / Tile, Math.Min(MaxRowTiles, rowTiles - first)),
                new Index2D(Tile, Tile),
                SharedMemoryConfig.RequestDynamic<float>(2 * Tile * Tile));
            _kernel(config, first * Tile, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, b, beta, c);
        }
    }
}
