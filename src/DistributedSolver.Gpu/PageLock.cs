using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>A host array page-locked for one accelerator's transfers, until disposed.</summary>
internal sealed class PageLock(Accelerator accelerator, PageLockScope<byte> scope) : IDisposable
{
    public void Dispose()
    {
        // CUDA unlocks in the context current on this thread: an actor may stop on another one.
        // A disposed accelerator has released its locks already.
        if (accelerator.IsDisposed) return;
        accelerator.Bind();
        scope.Dispose();
    }
}
