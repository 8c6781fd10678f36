using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// What only a CUDA device can show: that the driver loads, kernels load from PTX, and cuBLAS's
/// column-major GEMM is mapped right. Skipped, with the reason, on machines without a GPU.
/// </summary>
public sealed class CudaTests
{
    [CudaFact]
    public void The_device_describes_itself_and_gemm_goes_through_cublas()
    {
        Assert.True(IlgpuBackend.TryOpenCuda(0, out var backend, out _));
        using (backend)
        {
            Assert.Contains("compute capability", backend.Description);
            Assert.Contains("cuBLAS", backend.Description);
        }
    }

    [CudaFact]
    public void Cublas_gemm_matches_the_cpu_for_every_transpose_combination()
    {
        Assert.True(IlgpuBackend.TryOpenCuda(0, out var gpu, out _));
        using var cpu = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        using (gpu)
        {
            const int m = 37, n = 29, k = 71;
            var a = Inputs.Uniform(m * k, 1);
            var b = Inputs.Uniform(k * n, 2);
            var c = Inputs.Uniform(m * n, 3);
            foreach (var transA in new[] { Transpose.No, Transpose.Yes })
            foreach (var transB in new[] { Transpose.No, Transpose.Yes })
            {
                var expected = Product(cpu, transA, transB, m, n, k, a, b, c);
                var actual = Product(gpu, transA, transB, m, n, k, a, b, c);
                // The summation bound of GemmKernelTests, with all |products| ≤ 9 and |c| ≤ 3.
                Tolerance.AssertWithin(expected, actual, _ => 2 * Tolerance.Gamma(k + 2) * (0.5 * 9 * k + 2 * 3));
            }
        }
    }

    private static float[] Product(IComputeBackend backend, Transpose transA, Transpose transB, int m, int n, int k, float[] a, float[] b, float[] c)
    {
        var av = backend.Allocate(a.Length).View;
        var bv = backend.Allocate(b.Length).View;
        var cv = backend.Allocate(c.Length).View;
        backend.Upload(a, av);
        backend.Upload(b, bv);
        backend.Upload(c, cv);
        backend.Gemm(transA, transB, m, n, k, 0.5f, av, bv, 2f, cv);
        var result = new float[c.Length];
        backend.Download(cv, result);
        return result;
    }
}
