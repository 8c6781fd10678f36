using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Gpu;

/// <summary>Opens the backend a <see cref="DeviceSelection"/> names: what <c>dsolver</c> and a worker process train on.</summary>
public static class ComputeBackends
{
    /// <summary>What a GPU request gets on a machine without one; Caffe's default solver_mode is GPU, so it is the common case.</summary>
    public const string NoCudaDevice = "no CUDA device: using the CPU backend";

    /// <summary>
    /// The CPU backend for <c>cpu</c>; ILGPU's CPU accelerator only for <c>ilgpu-cpu</c> (never as a
    /// fallback: it is a simulator); for <c>gpu:N</c> the CUDA device, or, where there is none, the
    /// CPU backend with <see cref="NoCudaDevice"/> and the reason in <paramref name="log"/>.
    /// </summary>
    public static IComputeBackend Open(DeviceSelection selection, CpuBackendOptions cpu, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(log);
        switch (selection.Kind)
        {
            case DeviceKind.Cpu:
                return new CpuBackend(cpu);
            case DeviceKind.IlgpuCpu:
                log("ilgpu-cpu: ILGPU's CPU accelerator simulates a GPU, for testing kernels; it is far slower than the CPU backend");
                return IlgpuBackend.OpenCpuAccelerator();
            case DeviceKind.Gpu:
                if (IlgpuBackend.TryOpenCuda(selection.DeviceId, out var backend, out string? reason))
                    return backend;
                log($"{NoCudaDevice} ({reason})");
                return new CpuBackend(cpu);
            default:
                throw new ArgumentOutOfRangeException(nameof(selection), selection.Kind, "unknown device kind");
        }
    }
}
