using DistributedSolver.Backend.Cpu;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Training;

/// <summary>
/// The sum of U units must be the tree of DESIGN.md: [0, n) = [0, p) + [p, n) with p the largest
/// power of two below n. Each unit's "gradient" here is a value whose float sum depends on the
/// order of additions, and the expected bits are computed by the recursive definition.
/// </summary>
public sealed class GradientTreeTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private static float[] UnitValue(int unit) => [1f / (unit + 3), 1e8f * (unit % 2 == 0 ? 1 : -1) + unit, MathF.PI * unit];

    private static float[] Recursive(int lo, int hi)
    {
        if (hi - lo == 1) return UnitValue(lo);
        int p = 1;
        while (p * 2 < hi - lo) p *= 2;
        var left = Recursive(lo, lo + p);
        var right = Recursive(lo + p, hi);
        return [.. left.Zip(right, (a, b) => a + b)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    public void Sums_along_the_fixed_pairwise_tree(int units)
    {
        var tree = new GradientTree(_backend, 3, units);
        for (int round = 0; round < 2; round++)
        {
            tree.Reset();
            var unit = _backend.Allocate(3).View;
            for (int u = 0; u < units; u++)
            {
                _backend.Upload(UnitValue(u), unit);
                tree.Add(u, unit);
                if (units > 1) _backend.Fill(unit, float.NaN); // the tree must have copied it
            }
            Assert.Equal(Recursive(0, units), Read(_backend, tree.Complete()));
        }
    }

    [Fact]
    public void Aligned_blocks_summed_elsewhere_give_the_same_bits()
    {
        // Units 4–7 summed as a worker would (its own subtree) equal that subtree of the whole.
        var block = Recursive(4, 8);
        var whole = Recursive(0, 8);
        var left = Recursive(0, 4);
        Assert.Equal(whole, left.Zip(block, (a, b) => a + b).ToArray());
    }

    [Fact]
    public void Units_must_arrive_in_order()
    {
        var tree = new GradientTree(_backend, 3, 4);
        var unit = _backend.Allocate(3).View;
        tree.Add(0, unit);
        Assert.Throws<InvalidOperationException>(() => tree.Add(2, unit));
        Assert.Throws<InvalidOperationException>(() => tree.Complete());
    }
}
