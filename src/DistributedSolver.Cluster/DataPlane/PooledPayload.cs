using System.Buffers;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A received payload in an array rented from <see cref="ArrayPool{T}.Shared"/>, exactly
/// <see cref="Length"/> bytes long. Whoever receives it disposes it, which returns the array;
/// disposing twice is harmless.
/// </summary>
internal sealed class PooledPayload : IMemoryOwner<byte>
{
    private byte[]? _array;

    private PooledPayload(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    public static PooledPayload Rent(int length) => new(ArrayPool<byte>.Shared.Rent(length), length);

    public Memory<byte> Memory => _array is { } array
        ? array.AsMemory(0, Length)
        : throw new ObjectDisposedException(nameof(PooledPayload));

    public Span<byte> Span => Memory.Span;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array) ArrayPool<byte>.Shared.Return(array);
    }
}
