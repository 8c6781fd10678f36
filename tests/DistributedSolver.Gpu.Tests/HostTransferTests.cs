using System.Runtime.InteropServices;
using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>The edges of the device: transfers through page-locked host arrays, and copies between views.</summary>
public sealed class HostTransferTests(BackendPair pair) : IClassFixture<BackendPair>
{
    [Theory]
    [InlineData(1)]
    [InlineData(257)]
    [InlineData(4099)]
    public void Frames_go_out_of_and_into_page_locked_arrays_unchanged(int length)
    {
        var values = Inputs.Uniform(length, 11);
        var source = pair.Put(values).Gpu;
        var target = pair.Zeros(length);
        using var pool = new HostBufferPool(pair.Gpu.LockPages);
        // A gradient frame: the floats first, then bytes the data plane appends.
        var frame = pool.Rent(length * sizeof(float) + 8);
        var floats = MemoryMarshal.Cast<byte, float>(frame.AsSpan(0, length * sizeof(float)));
        pair.Gpu.Download(source, floats);
        Assert.Equal(values, floats.ToArray());
        pair.Gpu.Upload(floats, target.Gpu);
        Assert.Equal(values, pair.Get(target).Gpu);
        pool.Return(frame);
    }

    [Fact]
    public void Locks_are_released_before_the_accelerator_and_after_it_harmlessly()
    {
        using var backend = IlgpuBackend.OpenCpuAccelerator();
        var early = backend.LockPages(GC.AllocateUninitializedArray<byte>(256, pinned: true));
        var late = backend.LockPages(GC.AllocateUninitializedArray<byte>(256, pinned: true));
        Assert.NotNull(early);
        early.Dispose();
        backend.Dispose();
        // A pool owned by an actor that stops after its backend was disposed.
        late!.Dispose();
    }

    [Fact]
    public void Copy_refuses_overlapping_views_as_the_cpu_backend_does()
    {
        var all = pair.Put(Inputs.Uniform(8, 5));
        foreach (var backend in new IComputeBackend[] { pair.Cpu, pair.Gpu })
        {
            var view = backend == pair.Cpu ? all.Cpu : all.Gpu;
            var ex = Assert.Throws<ArgumentException>(() => backend.Copy(view.Slice(2, 4), view.Slice(4, 4)));
            Assert.Contains("overlaps its destination", ex.Message);
        }
        pair.Run((b, v) => b.Copy(v(all).Slice(0, 4), v(all).Slice(4, 4)));
        pair.AssertIdentical(all);
    }
}
