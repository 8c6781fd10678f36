using DistributedSolver.Backend;
using ILGPU;
using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>Device memory of one ILGPU accelerator, allocated once and addressed through views.</summary>
internal sealed class IlgpuBuffer : DeviceBuffer
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _memory;

    public IlgpuBuffer(Accelerator accelerator, int length) : base(length)
    {
        // ILGPU refuses zero-length allocations; an empty net blob still needs a buffer object.
        _memory = accelerator.Allocate1D<float>(Math.Max(length, 1));
        _memory.MemSetToZero();
        Accelerator = accelerator;
    }

    public Accelerator Accelerator { get; }

    public ArrayView<float> Slice(int offset, int length) => _memory.View.SubView(offset, length);

    public override void Dispose()
    {
        // CUDA frees memory in the context current on this thread: an actor may stop on another one.
        // A disposed accelerator has freed its buffers already.
        if (!Accelerator.IsDisposed) Accelerator.Bind();
        _memory.Dispose();
        base.Dispose();
    }
}
