using DistributedSolver.Backend;

namespace DistributedSolver.Tests.Backend;

public sealed class HostBufferPoolTests
{
    /// <summary>Records each lock taken and whether it was released.</summary>
    private sealed class Locks
    {
        public List<(byte[] Array, Lock Lock)> Taken { get; } = [];

        public IDisposable? Take(byte[] array)
        {
            var taken = new Lock();
            Taken.Add((array, taken));
            return taken;
        }

        public sealed class Lock : IDisposable
        {
            public int Released { get; private set; }
            public void Dispose() => Released++;
        }
    }

    [Fact]
    public void A_returned_array_is_rented_again_without_a_new_lock()
    {
        var locks = new Locks();
        using var pool = new HostBufferPool(locks.Take);
        var first = pool.Rent(1000);
        pool.Return(first);
        // A steady run: the same frame sizes, rented and returned, iteration after iteration.
        for (int i = 0; i < 100; i++)
        {
            var again = pool.Rent(1000);
            Assert.Same(first, again);
            pool.Return(again);
        }
        Assert.Single(locks.Taken);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void Arrays_round_up_to_a_power_of_two_and_are_locked_once_each()
    {
        var locks = new Locks();
        using var pool = new HostBufferPool(locks.Take);
        var a = pool.Rent(1000);
        var b = pool.Rent(1024);
        var c = pool.Rent(1025);
        var tiny = pool.Rent(0);
        Assert.Equal(1024, a.Length);
        Assert.Equal(1024, b.Length);
        Assert.NotSame(a, b);
        Assert.Equal(2048, c.Length);
        Assert.Equal(64, tiny.Length);
        Assert.Equal(new[] { a, b, c, tiny }, locks.Taken.Select(t => t.Array));
        // Both 1024-byte arrays serve any request that rounds to 1024.
        pool.Return(a);
        pool.Return(b);
        Assert.Same(b, pool.Rent(600));
        Assert.Same(a, pool.Rent(513));
        Assert.Equal(4, pool.Count);
    }

    [Fact]
    public void Dispose_releases_every_lock_once_rented_or_not()
    {
        var locks = new Locks();
        var pool = new HostBufferPool(locks.Take);
        var rented = pool.Rent(100);
        pool.Return(pool.Rent(5000));
        pool.Dispose();
        pool.Dispose();
        Assert.All(locks.Taken, t => Assert.Equal(1, t.Lock.Released));
        Assert.Equal(2, locks.Taken.Count);
        // A frame a socket still held comes back after the owner stopped: nothing to do.
        pool.Return(rented);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent(1));
    }

    [Fact]
    public void A_backend_with_nothing_to_lock_gets_plain_reuse()
    {
        using var pool = new HostBufferPool(_ => null);
        var array = pool.Rent(10);
        pool.Return(array);
        Assert.Same(array, pool.Rent(10));
    }

    [Fact]
    public void Owns_tells_its_arrays_from_another_pools()
    {
        using var pool = new HostBufferPool(_ => null);
        using var other = new HostBufferPool(_ => null);
        var mine = pool.Rent(64);
        Assert.True(pool.Owns(mine));
        Assert.False(pool.Owns(other.Rent(64)));
        pool.Return(mine);
        Assert.True(pool.Owns(mine));
        pool.Dispose();
        Assert.False(pool.Owns(mine));
    }

    [Fact]
    public void A_foreign_or_twice_returned_array_is_refused()
    {
        using var pool = new HostBufferPool(_ => null);
        var ex = Assert.Throws<ArgumentException>(() => pool.Return(new byte[64]));
        Assert.Contains("did not rent", ex.Message);
        var array = pool.Rent(64);
        pool.Return(array);
        Assert.Throws<InvalidOperationException>(() => pool.Return(array));
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(-1));
    }

    [Fact]
    public void Arrays_live_on_the_pinned_object_heap()
    {
        using var pool = new HostBufferPool(_ => null);
        var array = pool.Rent(4096);
        // A page lock outlives any fixed statement: the array must never move. Pinned-heap arrays
        // report generation 2 from birth; an ordinary one just allocated would report 0 or 1.
        Assert.Equal(2, GC.GetGeneration(array));
    }
}
