namespace DistributedSolver.Gpu.Tests;

/// <summary>A fact about a machine without a CUDA device (what a GPU request falls back to): skipped where there is one.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    public NoCudaFactAttribute()
    {
        if (CudaDevice.Absence is null) Skip = "tests the machine without a CUDA device, and this one has one";
    }
}
