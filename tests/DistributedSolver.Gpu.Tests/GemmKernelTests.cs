using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// The tiled GEMM kernel (4×4 tiles on the test accelerator) against the CPU backend's GEMM.
/// The two add the k products of each element in different orders (and the CPU's BLAS may fuse
/// multiply-adds), so each is within γ_k·|alpha|·Σ_p|a_ip·b_pj| of the exact product; with the
/// roundings of alpha·sum, beta·c and their sum the two are within
/// 2·γ_(k+2)·(|alpha|·Σ_p|a_ip·b_pj| + |beta·c_ij|) of each other.
/// </summary>
public sealed class GemmKernelTests(BackendPair pair) : IClassFixture<BackendPair>
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 3, 5, 7 },
        { 9, 4, 13 },
        { 17, 6, 33 },
        { 5, 23, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_transpose_combination_matches_the_cpu(int m, int n, int k)
    {
        foreach (var transA in new[] { Transpose.No, Transpose.Yes })
        foreach (var transB in new[] { Transpose.No, Transpose.Yes })
        foreach (var (alpha, beta) in new[] { (1f, 0f), (-0.5f, 1.5f) })
            Compare(transA, transB, m, n, k, alpha, beta);
    }

    private void Compare(Transpose transA, Transpose transB, int m, int n, int k, float alpha, float beta)
    {
        var a = Inputs.Uniform(m * k, 50 + m);
        var b = Inputs.Uniform(k * n, 60 + n);
        var c = Inputs.Uniform(m * n, 70 + k);
        var av = pair.Put(a);
        var bv = pair.Put(b);
        var cv = pair.Put(c);
        pair.Run((backend, v) => backend.Gemm(transA, transB, m, n, k, alpha, v(av), v(bv), beta, v(cv)));
        var (expected, actual) = pair.Get(cv);
        float A(int i, int p) => transA == Transpose.No ? a[i * k + p] : a[p * m + i];
        float B(int p, int j) => transB == Transpose.No ? b[p * n + j] : b[j * k + p];
        Tolerance.AssertWithin(expected, actual, index =>
        {
            int i = index / n, j = index % n;
            double products = Enumerable.Range(0, k).Sum(p => Math.Abs((double)A(i, p) * B(p, j)));
            return 2 * Tolerance.Gamma(k + 2) * (Math.Abs(alpha) * products + Math.Abs(beta * c[index]));
        });
    }

    [Fact]
    public void A_product_that_fits_one_tile_gives_exact_small_integers()
    {
        // Small integers multiply and add exactly in any order: the kernel must give the true product.
        var a = pair.Put([1f, 2f, 3f, 4f, 5f, 6f]);
        var b = pair.Put([7f, 8f, 9f, 10f, 11f, 12f]);
        var c = pair.Zeros(4);
        pair.Gpu.Gemm(Transpose.No, Transpose.No, 2, 2, 3, 1f, a.Gpu, b.Gpu, 0f, c.Gpu);
        Assert.Equal([58f, 64f, 139f, 154f], pair.Get(c).Gpu);
    }

    [Fact]
    public void Zero_depth_or_zero_alpha_only_scales_c_and_never_reads_a_or_b()
    {
        var a = pair.Put([float.NaN, float.NaN, float.NaN, float.NaN]);
        var c = pair.Put([1f, -2f, 3f, -4f]);
        pair.Run((backend, v) => backend.Gemm(Transpose.No, Transpose.No, 2, 2, 2, 0f, v(a), v(a), 2f, v(c)));
        Assert.Equal([2f, -4f, 6f, -8f], pair.Get(c).Gpu);
        // Only the kernels here: the CPU backend's BLAS refuses a leading dimension of k = 0.
        pair.Gpu.Gemm(Transpose.No, Transpose.No, 2, 2, 0, 1f, a.Gpu, a.Gpu, 0f, c.Gpu);
        Assert.Equal([0f, 0f, 0f, 0f], pair.Get(c).Gpu);
    }

    [Fact]
    public void Beta_zero_overwrites_nan_in_c()
    {
        var a = pair.Put([1f, 2f]);
        var c = pair.Put([float.NaN, float.NaN, float.NaN, float.NaN]);
        pair.Gpu.Gemm(Transpose.No, Transpose.No, 2, 2, 1, 1f, a.Gpu, a.Gpu, 0f, c.Gpu);
        Assert.Equal([1f, 2f, 2f, 4f], pair.Get(c).Gpu);
    }

    [Theory]
    [InlineData(Transpose.No)]
    [InlineData(Transpose.Yes)]
    public void Gemv_matches_the_cpu(Transpose transA)
    {
        const int m = 7, n = 19;
        var a = Inputs.Uniform(m * n, 80);
        var xs = Inputs.Uniform(transA == Transpose.No ? n : m, 81);
        var ys = Inputs.Uniform(transA == Transpose.No ? m : n, 82);
        var av = pair.Put(a);
        var x = pair.Put(xs);
        var y = pair.Put(ys);
        pair.Run((b, v) => b.Gemv(transA, m, n, 0.75f, v(av), v(x), -1.25f, v(y)));
        var (expected, actual) = pair.Get(y);
        int depth = xs.Length;
        Tolerance.AssertWithin(expected, actual, i =>
        {
            double products = Enumerable.Range(0, depth).Sum(p => Math.Abs((double)(transA == Transpose.No ? a[i * n + p] : a[p * n + i]) * xs[p]));
            return 2 * Tolerance.Gamma(depth + 2) * (0.75 * products + 1.25 * Math.Abs(ys[i]));
        });
    }

    [Fact]
    public void A_C_taller_than_the_grid_takes_several_launches_with_the_same_result()
    {
        // CUDA's grid is at most 65535 tiles high; here 2, so 17 rows of 4×4 tiles take three launches.
        var gemm = (TiledGemm)pair.Gpu.DeviceGemm;
        int height = gemm.MaxRowTiles;
        gemm.MaxRowTiles = 2;
        try
        {
            foreach (var transA in new[] { Transpose.No, Transpose.Yes })
            foreach (var transB in new[] { Transpose.No, Transpose.Yes })
                Compare(transA, transB, 17, 6, 9, -0.5f, 1.5f);
        }
        finally
        {
            gemm.MaxRowTiles = height;
        }
    }

    [Fact]
    public void The_tile_fits_the_device()
    {
        Assert.Equal(16, TiledGemm.TileFor(1024, 48 * 1024));
        Assert.Equal(4, TiledGemm.TileFor(16, 1 << 20));
        Assert.Equal(8, TiledGemm.TileFor(1024, 2 * 8 * 8 * sizeof(float)));
        Assert.Equal(4, ((TiledGemm)pair.Gpu.DeviceGemm).Tile);
    }
}
