using System.Numerics;

namespace DistributedSolver.Backend;

/// <summary>
/// Host arrays for the transfers at the edges of a device, a gradient out to the data plane and
/// weights out of the parameter server: rented per frame and returned once the frame is sent, so
/// a run in its steady state allocates none. Each array lives on the pinned object heap and is
/// locked once for the backend's transfers (<see cref="IComputeBackend.LockPages"/>: page-locked
/// on a GPU, where locking costs far more than a copy). Sizes round up to a power of two, so frames
/// of similar lengths share arrays. One actor owns a pool: it is not thread-safe.
/// </summary>
public sealed class HostBufferPool(Func<byte[], IDisposable?> lockPages) : IDisposable
{
    // Past this, arrays are exactly as long as asked: doubling would waste up to a gigabyte.
    private const int LargestRounded = 1 << 30;

    private readonly Dictionary<int, Stack<byte[]>> _free = [];
    private readonly Dictionary<byte[], Entry> _arrays = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    /// <summary>How many arrays the pool holds, rented or free.</summary>
    public int Count => _arrays.Count;

    /// <summary>An array of at least <paramref name="minimumBytes"/>, locked for transfers, until <see cref="Return"/>.</summary>
    public byte[] Rent(int minimumBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumBytes);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = minimumBytes > LargestRounded ? minimumBytes : (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(minimumBytes, 64));
        if (!_free.TryGetValue(size, out var free) || !free.TryPop(out var array))
        {
            array = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            _arrays.Add(array, new Entry(lockPages(array)));
        }
        _arrays[array].Rented = true;
        return array;
    }

    /// <summary>Whether <paramref name="array"/> is one of this pool's (until it is disposed).</summary>
    public bool Owns(byte[] array) => _arrays.ContainsKey(array);

    /// <summary>Gives back an array rented here; after <see cref="Dispose"/>, nothing is kept.</summary>
    public void Return(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_disposed) return;
        if (!_arrays.TryGetValue(array, out var entry))
            throw new ArgumentException($"an array of {array.Length} bytes that this pool did not rent", nameof(array));
        if (!entry.Rented)
            throw new InvalidOperationException($"an array of {array.Length} bytes returned twice");
        entry.Rented = false;
        if (!_free.TryGetValue(array.Length, out var free)) _free[array.Length] = free = new Stack<byte[]>();
        free.Push(array);
    }

    /// <summary>
    /// Unlocks every array. One still in a socket's hands stays valid memory (it is a managed
    /// array), only no longer locked.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var entry in _arrays.Values) entry.Lock?.Dispose();
        _arrays.Clear();
        _free.Clear();
    }

    private sealed class Entry(IDisposable? pageLock)
    {
        public IDisposable? Lock => pageLock;
        public bool Rented { get; set; }
    }
}
