using DistributedSolver.Backend.Cpu;
using BackendBufferView = DistributedSolver.Backend.BufferView;
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
            for (int u = 0; u < units - 1; u++)
            {
                _backend.Upload(UnitValue(u), unit);
                tree.Add(u, unit);
                _backend.Fill(unit, float.NaN); // the tree must have copied it
            }
            _backend.Upload(UnitValue(units - 1), unit);
            Assert.Equal(Recursive(0, units), Read(_backend, tree.Complete(unit, new ParameterRange(0, 3))));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(13)]
    public void Ranges_completed_one_by_one_give_the_bits_of_one_completion(int units)
    {
        // Three ranges of one value each, completed last to first as backward finishes them.
        var tree = new GradientTree(_backend, 3, units);
        var unit = _backend.Allocate(3).View;
        for (int u = 0; u < units - 1; u++)
        {
            _backend.Upload(UnitValue(u), unit);
            tree.Add(u, unit);
        }
        _backend.Upload(UnitValue(units - 1), unit);
        BackendBufferView sum = default;
        for (int r = 2; r >= 0; r--) sum = tree.Complete(unit, new ParameterRange(r, 1));
        Assert.Equal(Recursive(0, units), Read(_backend, sum));
    }

    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(4, new[] { 2, 2 })]
    [InlineData(4, new[] { 1, 2, 1 })]
    [InlineData(6, new[] { 3, 3 })]
    [InlineData(7, new[] { 3, 2, 2 })]
    [InlineData(13, new[] { 5, 4, 4 })]
    [InlineData(13, new[] { 1, 11, 1 })]
    [InlineData(7, new[] { 3, 2, 2 }, true)]
    [InlineData(13, new[] { 5, 4, 4 }, true)]
    public void Ranges_summed_by_workers_and_combined_give_the_bits_of_one_process(int units, int[] shares, bool bucketed = false)
    {
        // Each "worker" takes a contiguous share, decomposes it into tree nodes, sums each node with
        // its own GradientTree, and the parameter server combines the nodes.
        var sums = new Dictionary<UnitBlock, BackendBufferView>();
        int from = 0;
        foreach (int share in shares)
        {
            foreach (var block in UnitTree.Decompose(units, from, from + share))
            {
                Assert.True(UnitTree.IsNode(units, block));
                var tree = new GradientTree(_backend, 3, block.Count);
                var unit = _backend.Allocate(3).View;
                for (int u = 0; u < block.Count; u++)
                {
                    _backend.Upload(UnitValue(block.Start + u), unit);
                    if (u < block.Count - 1) tree.Add(u, unit);
                }
                var copy = _backend.Allocate(3).View;
                _backend.Copy(tree.Complete(unit, new ParameterRange(0, 3)), copy);
                sums.Add(block, copy);
            }
            from += share;
        }
        Assert.Equal(units, from);
        // Bucketed, the parameter server combines each bucket of values on its own, last first.
        BackendBufferView total = default;
        if (bucketed)
            foreach (var range in new[] { new ParameterRange(1, 2), new ParameterRange(0, 1) }) total = UnitTree.Combine(_backend, units, sums, range);
        else total = UnitTree.Combine(_backend, units, sums, new ParameterRange(0, 3));
        Assert.Equal(Recursive(0, units), Read(_backend, total));
    }

    [Theory]
    [InlineData(8, 0, 8, "0+8")]
    [InlineData(8, 4, 8, "4+4")]
    [InlineData(8, 0, 3, "0+2 2+1")]
    [InlineData(6, 3, 6, "3+1 4+2")]
    [InlineData(7, 1, 7, "1+1 2+2 4+3")]
    public void Decompose_covers_a_range_with_the_fewest_tree_nodes(int units, int from, int to, string expected)
    {
        // Expected by hand from the split rule: [0, n) = [0, p) + [p, n), p the largest power of two below n.
        Assert.Equal(expected, string.Join(' ', UnitTree.Decompose(units, from, to).Select(b => $"{b.Start}+{b.Count}")));
    }

    [Fact]
    public void Combine_refuses_a_cover_with_a_hole()
    {
        var sums = new Dictionary<UnitBlock, BackendBufferView> { [new UnitBlock(0, 2)] = _backend.Allocate(3).View };
        Assert.Throws<ArgumentException>(() => UnitTree.Combine(_backend, 3, sums, new ParameterRange(0, 3)));
    }

    [Fact]
    public void Units_must_arrive_in_order()
    {
        var tree = new GradientTree(_backend, 3, 4);
        var unit = _backend.Allocate(3).View;
        tree.Add(0, unit);
        Assert.Throws<InvalidOperationException>(() => tree.Add(2, unit));
        Assert.Throws<InvalidOperationException>(() => tree.Complete(unit, new ParameterRange(0, 3)));
        tree.Add(1, unit);
        tree.Add(2, unit);
        Assert.Throws<InvalidOperationException>(() => tree.Add(3, unit));
    }
}
