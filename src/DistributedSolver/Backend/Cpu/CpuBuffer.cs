namespace DistributedSolver.Backend.Cpu;

internal sealed class CpuBuffer(int length) : DeviceBuffer(length)
{
    public float[] Array { get; } = new float[length];
}
