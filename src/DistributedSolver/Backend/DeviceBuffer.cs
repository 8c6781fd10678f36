namespace DistributedSolver.Backend;

/// <summary>
/// Memory owned by a compute backend: host arrays on the CPU backend, device memory on a GPU
/// backend. Layers and solvers never touch its floats directly; they pass views to the backend.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public int Length { get; }

    public BufferView View => new(this, 0, Length);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
