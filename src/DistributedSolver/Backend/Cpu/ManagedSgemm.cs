using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DistributedSolver.Backend.Cpu;

/// <summary>
/// A blocked sgemm in managed SIMD code (the BLIS scheme: packed panels of op(A) and op(B), an
/// MR×NR register-blocked micro-kernel). Every element of C is one chain of fused multiply-adds
/// in k order, restarted at each <see cref="KC"/>-block of k and added into C as
/// c = fma(alpha, acc, c), so its bits depend only on its row of op(A), its column of op(B) and
/// the k blocking — not on where the element lies in a tile, nor on the vector width: 128-, 256-
/// and 512-bit vectors give identical results.
/// </summary>
internal sealed unsafe class ManagedSgemm : ISgemmKernel
{
    internal const int MR = 6;
    internal const int KC = 256;
    private const int MC = 16 * MR;
    private const int NC = 1024;

    public static ManagedSgemm Instance { get; } = new();

    private ManagedSgemm()
    {
    }

    public string Description { get; } = $"managed SIMD ({Isa()})";

    // Every vector width gives the same bits (see Multiply).
    public string Arithmetic => "managed SIMD";

    /// <summary>The vector instructions this process runs with, e.g. "AVX2 FMA".</summary>
    internal static string Isa()
    {
        string width = Vector512.IsHardwareAccelerated ? "AVX-512"
            : Vector256.IsHardwareAccelerated ? "AVX2"
            : AdvSimd.IsSupported ? "NEON"
            : Vector128.IsHardwareAccelerated ? "SSE" : "no SIMD";
        // Without hardware FMA the fused multiply-add is emulated, exact but slow.
        return Fma.IsSupported || AdvSimd.IsSupported ? $"{width} FMA" : $"{width}, software FMA";
    }

    public void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        // Every width gives the same bits, so the width can follow the shape: a narrow C (the
        // 10 classes of a classifier) would otherwise be mostly zero padding in a 512-bit panel.
        if (Vector512.IsHardwareAccelerated && n > Simd512.Count)
            Multiply<Simd512>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (Vector256.IsHardwareAccelerated && n > Simd256.Count)
            Multiply<Simd256>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            Multiply<Simd128>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>The kernel at one vector width; internal so tests can check that every width gives the same bits.</summary>
    // Fully optimized from the first call: a long-running loop left to tiered compilation ran at
    // half speed in the benchmark.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Multiply<TVec>(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        where TVec : struct, ISimd<TVec>
    {
        int nr = 2 * TVec.Count;
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        float[] aPack = ArrayPool<float>.Shared.Rent(MC * Math.Min(k, KC));
        float[] bPack = ArrayPool<float>.Shared.Rent(ncMax * Math.Min(k, KC));
        try
        {
            fixed (float* ap = aPack, bp = bPack)
            {
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        bool first = pc == 0;
                        PackB(transB, b, ldb, pc, kc, jc, nc, nr, bp);
                        for (int ic = 0; ic < m; ic += MC)
                        {
                            int mc = Math.Min(MC, m - ic);
                            PackA(transA, a, lda, ic, mc, pc, kc, ap);
                            for (int jr = 0; jr < nc; jr += nr)
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                float* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                                int rows = Math.Min(MR, mc - ir);
                                int cols = Math.Min(nr, nc - jr);
                                float* aPanel = ap + ir * kc;
                                float* bPanel = bp + jr * kc;
                                if (rows == MR && cols == nr)
                                    MicroKernel<TVec>(kc, aPanel, bPanel, cTile, ldc, alpha, beta, first);
                                else
                                    EdgeKernel<TVec>(kc, aPanel, bPanel, cTile, ldc, rows, cols, alpha, beta, first);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aPack);
            ArrayPool<float>.Shared.Return(bPack);
        }
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    // Packs op(A)[ic.., pc..] as panels of MR rows, each stored k-major (MR floats per k), zero-padding the last panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, float* a, int lda, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            float* panel = dst + ir * kc;
            if (rows < MR)
                new Span<float>(panel, MR * kc).Clear();
            // Element (i, p) of op(A) lies at source + i·rowStep + p·colStep.
            long rowStep = transA ? 1 : lda, colStep = transA ? lda : 1;
            float* source = a + (ic + ir) * rowStep + pc * colStep;
            // Writing the panel in order: sequential stores matter more than the strided loads.
            for (int p = 0; p < kc; p++)
            {
                float* column = source + p * colStep;
                float* packed = panel + p * MR;
                for (int r = 0; r < rows; r++)
                    packed[r] = column[r * rowStep];
            }
        }
    }

    // Packs op(B)[pc.., jc..] as panels of nr columns, each stored k-major (nr floats per k), zero-padding the last panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float* b, int ldb, int pc, int kc, int jc, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dst + jr * kc;
            if (transB)
            {
                for (int col = 0; col < nr; col++)
                {
                    if (col >= cols)
                    {
                        for (int p = 0; p < kc; p++) panel[p * nr + col] = 0f;
                        continue;
                    }
                    float* src = b + (long)(jc + jr + col) * ldb + pc;
                    for (int p = 0; p < kc; p++) panel[p * nr + col] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + jr;
                    float* row = panel + p * nr;
                    new ReadOnlySpan<float>(src, cols).CopyTo(new Span<float>(row, cols));
                    new Span<float>(row + cols, nr - cols).Clear();
                }
            }
        }
    }

    // A partial tile goes through the full micro-kernel on a scratch copy, so its elements get exactly the same arithmetic.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void EdgeKernel<TVec>(int kc, float* aPanel, float* bPanel, float* c, int ldc, int rows, int cols,
        float alpha, float beta, bool first)
        where TVec : struct, ISimd<TVec>
    {
        int nr = 2 * TVec.Count;
        float* scratch = stackalloc float[MR * 2 * Simd512.Count];
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(c + (long)r * ldc, cols).CopyTo(new Span<float>(scratch + r * nr, cols));
        MicroKernel<TVec>(kc, aPanel, bPanel, scratch, nr, alpha, beta, first);
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(scratch + r * nr, cols).CopyTo(new Span<float>(c + (long)r * ldc, cols));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel<TVec>(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, bool first)
        where TVec : struct, ISimd<TVec>
    {
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVec c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int w = TVec.Count;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TVec.Load(b);
            TVec b1 = TVec.Load(b + w);
            TVec x = TVec.Broadcast(a[0]);
            c00 = TVec.FusedMultiplyAdd(x, b0, c00);
            c01 = TVec.FusedMultiplyAdd(x, b1, c01);
            x = TVec.Broadcast(a[1]);
            c10 = TVec.FusedMultiplyAdd(x, b0, c10);
            c11 = TVec.FusedMultiplyAdd(x, b1, c11);
            x = TVec.Broadcast(a[2]);
            c20 = TVec.FusedMultiplyAdd(x, b0, c20);
            c21 = TVec.FusedMultiplyAdd(x, b1, c21);
            x = TVec.Broadcast(a[3]);
            c30 = TVec.FusedMultiplyAdd(x, b0, c30);
            c31 = TVec.FusedMultiplyAdd(x, b1, c31);
            x = TVec.Broadcast(a[4]);
            c40 = TVec.FusedMultiplyAdd(x, b0, c40);
            c41 = TVec.FusedMultiplyAdd(x, b1, c41);
            x = TVec.Broadcast(a[5]);
            c50 = TVec.FusedMultiplyAdd(x, b0, c50);
            c51 = TVec.FusedMultiplyAdd(x, b1, c51);
            a += MR;
            b += 2 * w;
        }
        TVec va = TVec.Broadcast(alpha), vb = TVec.Broadcast(beta);
        Store(c, c00, va, vb, beta, first);
        Store(c + w, c01, va, vb, beta, first);
        Store(c + ldc, c10, va, vb, beta, first);
        Store(c + ldc + w, c11, va, vb, beta, first);
        Store(c + 2 * ldc, c20, va, vb, beta, first);
        Store(c + 2 * ldc + w, c21, va, vb, beta, first);
        Store(c + 3 * ldc, c30, va, vb, beta, first);
        Store(c + 3 * ldc + w, c31, va, vb, beta, first);
        Store(c + 4 * ldc, c40, va, vb, beta, first);
        Store(c + 4 * ldc + w, c41, va, vb, beta, first);
        Store(c + 5 * ldc, c50, va, vb, beta, first);
        Store(c + 5 * ldc + w, c51, va, vb, beta, first);
    }

    // The first k-block applies beta (never reading C when beta is 0); later blocks add into C.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TVec>(float* c, TVec acc, TVec alpha, TVec vBeta, float beta, bool first)
        where TVec : struct, ISimd<TVec>
    {
        TVec result = !first ? TVec.FusedMultiplyAdd(alpha, acc, TVec.Load(c))
            : beta == 0f ? TVec.Multiply(alpha, acc)
            : TVec.FusedMultiplyAdd(alpha, acc, TVec.Multiply(vBeta, TVec.Load(c)));
        TVec.Store(c, result);
    }
}

/// <summary>The few vector operations the micro-kernel needs, so one generic kernel serves every width.</summary>
internal unsafe interface ISimd<TSelf> where TSelf : struct, ISimd<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(float* p);
    static abstract void Store(float* p, TSelf v);
    static abstract TSelf Broadcast(float x);
    static abstract TSelf Multiply(TSelf x, TSelf y);

    /// <summary>x·y + z rounded once, emulated exactly where the hardware has no FMA.</summary>
    static abstract TSelf FusedMultiplyAdd(TSelf x, TSelf y, TSelf z);
}

internal readonly unsafe struct Simd512(Vector512<float> v) : ISimd<Simd512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static Simd512 Load(float* p) => new(Vector512.Load(p));
    public static void Store(float* p, Simd512 x) => x._v.Store(p);
    public static Simd512 Broadcast(float x) => new(Vector512.Create(x));
    public static Simd512 Multiply(Simd512 x, Simd512 y) => new(x._v * y._v);
    public static Simd512 FusedMultiplyAdd(Simd512 x, Simd512 y, Simd512 z) => new(Vector512.FusedMultiplyAdd(x._v, y._v, z._v));
}

internal readonly unsafe struct Simd256(Vector256<float> v) : ISimd<Simd256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static Simd256 Load(float* p) => new(Vector256.Load(p));
    public static void Store(float* p, Simd256 x) => x._v.Store(p);
    public static Simd256 Broadcast(float x) => new(Vector256.Create(x));
    public static Simd256 Multiply(Simd256 x, Simd256 y) => new(x._v * y._v);
    public static Simd256 FusedMultiplyAdd(Simd256 x, Simd256 y, Simd256 z) => new(Vector256.FusedMultiplyAdd(x._v, y._v, z._v));
}

internal readonly unsafe struct Simd128(Vector128<float> v) : ISimd<Simd128>
{
    private readonly Vector128<float> _v = v;
    public static int Count => Vector128<float>.Count;
    public static Simd128 Load(float* p) => new(Vector128.Load(p));
    public static void Store(float* p, Simd128 x) => x._v.Store(p);
    public static Simd128 Broadcast(float x) => new(Vector128.Create(x));
    public static Simd128 Multiply(Simd128 x, Simd128 y) => new(x._v * y._v);
    public static Simd128 FusedMultiplyAdd(Simd128 x, Simd128 y, Simd128 z) => new(Vector128.FusedMultiplyAdd(x._v, y._v, z._v));
}
