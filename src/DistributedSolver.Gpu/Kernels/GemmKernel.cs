using ILGPU;
using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// Row-major C = alpha·op(A)·op(B) + beta·C, tiled through shared memory: a T×T group computes a
/// T×T tile of C (T is the group's width, chosen by the host to fit the device), staging T-wide
/// slabs of op(A) and op(B) per step. Each element sums its k products in index order whatever T
/// is, so the tile size never changes a bit. Edges of every shape are guarded: m, n, k need not be
/// multiples of T. The grid covers the rows of tiles from <c>firstRow</c> on.
/// </summary>
internal static class GemmKernel
{
    public static void Tiled(int firstRow, int transA, int transB, int m, int n, int k, float alpha,
        ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        int tile = Group.DimX;
        var shared = SharedMemory.GetDynamic<float>();
        var aTile = shared.SubView(0, tile * tile);
        var bTile = shared.SubView(tile * tile, tile * tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        int row = firstRow + Grid.IdxY * tile + ty, column = Grid.IdxX * tile + tx;
        float sum = 0f;
        for (int start = 0; start < k; start += tile)
        {
            int p = start + tx, q = start + ty;
            aTile[ty * tile + tx] = row < m && p < k ? (transA != 0 ? a[p * m + row] : a[row * k + p]) : 0f;
            bTile[ty * tile + tx] = q < k && column < n ? (transB != 0 ? b[column * k + q] : b[q * n + column]) : 0f;
            Group.Barrier();
            // Only the products inside k: a padded 0·0 would turn a −0 sum into +0.
            int depth = XMath.Min(tile, k - start);
            for (int s = 0; s < depth; s++) sum += aTile[ty * tile + s] * bTile[s * tile + tx];
            Group.Barrier();
        }
        if (row < m && column < n)
        {
            int index = row * n + column;
            // BLAS semantics: with beta 0, C's old values (even NaN) are not read.
            c[index] = beta == 0f ? alpha * sum : alpha * sum + beta * c[index];
        }
    }
}
