namespace DistributedSolver.Gpu;

public enum DeviceKind
{
    /// <summary>The CPU backend (BLAS and TensorPrimitives): how CPU training runs.</summary>
    Cpu,

    /// <summary>A CUDA GPU through ILGPU.</summary>
    Gpu,

    /// <summary>ILGPU's CPU accelerator: a simulator that runs the GPU kernels on the CPU, for tests only.</summary>
    IlgpuCpu,
}
