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
    private SemaphoreSlim? _credit;

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

    /// <summary>Releases <paramref name="credit"/> once, when this payload is disposed.</summary>
    public void ReleaseOnDispose(SemaphoreSlim credit) => _credit = credit;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is not { } array) return;
        ArrayPool<byte>.Shared.Return(array);
        _credit?.Release();
    }
}
