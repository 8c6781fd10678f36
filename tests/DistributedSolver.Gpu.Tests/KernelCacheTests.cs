using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace DistributedSolver.Gpu.Tests;

public sealed class KernelCacheTests : IDisposable
{
    private readonly Context _context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)));
    private readonly Accelerator _accelerator;

    public KernelCacheTests() => _accelerator = _context.CreateCPUAccelerator(0);

    public void Dispose()
    {
        _accelerator.Dispose();
        _context.Dispose();
    }

    [Fact]
    public void A_refused_kernel_is_named_with_what_the_compiler_wrote_to_trace()
    {
        var cache = new KernelCache(_accelerator);
        var ex = Assert.Throws<InvalidOperationException>(() => cache.Get<Action>("Tiled", typeof(int), _ =>
        {
            // Another accelerator loading at the same time writes to the same Trace.
            var other = new Thread(() => Trace.WriteLine("another thread's kernel"));
            other.Start();
            other.Join();
            // What ILGPU does when the driver refuses a module: the reason goes to Trace only.
            Trace.WriteLine("ptxas fatal   : Unresolved extern function 'fma'");
            throw new InvalidOperationException("CUDA_ERROR_INVALID_PTX");
        }));
        Assert.Equal(
            "kernel Tiled<Int32> could not be loaded on CPUAccelerator: CUDA_ERROR_INVALID_PTX; the compiler said: ptxas fatal   : Unresolved extern function 'fma'",
            ex.Message);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public void A_kernel_loads_once_and_a_failure_is_not_kept()
    {
        var cache = new KernelCache(_accelerator);
        Assert.Throws<InvalidOperationException>(() => cache.Get<Action>("K", null, _ => throw new NotSupportedException("no")));
        int loads = 0;
        Action launcher = () => { };
        for (int i = 0; i < 3; i++)
            Assert.Same(launcher, cache.Get("K", null, _ => { loads++; return launcher; }));
        Assert.Equal(1, loads);
    }
}
