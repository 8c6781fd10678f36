namespace DistributedSolver.Gpu.Tests;

/// <summary>Whether this machine has CUDA device 0, probed once per test run.</summary>
internal static class CudaDevice
{
    private static readonly Lazy<string?> AbsenceReason = new(() =>
    {
        if (!IlgpuBackend.TryOpenCuda(0, out var backend, out string? reason)) return reason;
        backend.Dispose();
        return null;
    });

    /// <summary>Why there is no device, or null where there is one.</summary>
    public static string? Absence => AbsenceReason.Value;
}
