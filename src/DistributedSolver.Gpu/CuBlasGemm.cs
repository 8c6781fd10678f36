using ILGPU;
using ILGPU.Runtime.Cuda;

namespace DistributedSolver.Gpu;

/// <summary>
/// GEMM through cuBLAS on the accelerator's default stream. cuBLAS is column-major: a row-major
/// r×c matrix is its c×r transpose there, so C = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ,
/// B before A, with the same transpose flags and the row lengths as leading dimensions.
/// </summary>
internal sealed class CuBlasGemm : IDeviceGemm, IDisposable
{
    private readonly CuBlas _blas;

    private CuBlasGemm(CuBlas blas) => _blas = blas;

    /// <summary>cuBLAS on <paramref name="accelerator"/>, or null with the reason it cannot be loaded.</summary>
    public static CuBlasGemm? TryCreate(CudaAccelerator accelerator, out string? reason)
    {
        if (!CudaLibraries.TryLoadCuBlas(out reason)) return null;
        try
        {
            var blas = new CuBlas(accelerator) { Stream = (CudaStream)accelerator.DefaultStream };
            return new CuBlasGemm(blas);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException)
        {
            reason = $"cuBLAS could not be initialized: {e.Message}";
            return null;
        }
    }

    public string Description => $"cuBLAS {_blas.Version}";

    public void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c) =>
        _blas.Gemm(
            transB ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            transA ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            n, m, k, alpha, b, transB ? k : n, a, transA ? m : k, beta, c, n);

    public void Dispose() => _blas.Dispose();
}
