namespace DistributedSolver.Gpu.Tests;

/// <summary>A fact that needs a CUDA device: skipped, with the reason, where none can be opened.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (CudaDevice.Absence is { } reason) Skip = $"needs a CUDA device: {reason}";
    }
}
