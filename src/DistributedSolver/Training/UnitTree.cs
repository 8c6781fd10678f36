using DistributedSolver.Backend;

namespace DistributedSolver.Training;

/// <summary>
/// The fixed pairwise tree over units 0..U−1 (DESIGN.md, "The unit of work"): a range of n units
/// splits into its first p units and the rest, with p the largest power of two below n. The split
/// depends only on n, so a node of n units has the shape of a whole tree of n units: a worker sums
/// its node with a <see cref="GradientTree"/> of n units and the parameter server completes the
/// tree from such nodes with <see cref="Combine"/>, giving the bits of one process summing all.
/// </summary>
public static class UnitTree
{
    /// <summary>Where a range of <paramref name="units"/> (≥ 2) splits: the largest power of two below it.</summary>
    public static int SplitPoint(int units)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 2);
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)units) / 2;
    }

    /// <summary>
    /// The fewest tree nodes of a U-unit tree that cover units [<paramref name="from"/>,
    /// <paramref name="to"/>) exactly, in unit order: what a worker holding that range sends.
    /// </summary>
    public static IReadOnlyList<UnitBlock> Decompose(int units, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        if (from < 0 || to > units || from >= to) throw new ArgumentOutOfRangeException(nameof(to), $"[{from}, {to}) is not a non-empty range of {units} units");
        var blocks = new List<UnitBlock>();
        Cover(new UnitBlock(0, units), from, to, blocks);
        return blocks;
    }

    private static void Cover(UnitBlock node, int from, int to, List<UnitBlock> blocks)
    {
        if (node.End <= from || node.Start >= to) return;
        if (node.Start >= from && node.End <= to)
        {
            blocks.Add(node);
            return;
        }
        int p = SplitPoint(node.Count);
        Cover(new UnitBlock(node.Start, p), from, to, blocks);
        Cover(new UnitBlock(node.Start + p, node.Count - p), from, to, blocks);
    }

    /// <summary>Whether <paramref name="block"/> is a node of the tree over <paramref name="units"/> units.</summary>
    public static bool IsNode(int units, UnitBlock block) =>
        block.Count >= 1 && block.Start >= 0 && block.End <= units && Decompose(units, block.Start, block.End).Count == 1;

    /// <summary>
    /// Completes the tree over <paramref name="units"/> units on the values in <paramref name="range"/>
    /// (a gradient bucket, or all of them) from partial sums of nodes that cover every unit once,
    /// adding right into left as <see cref="GradientTree"/> does. The result is one of the given
    /// buffers (the leftmost); the others are used as scratch.
    /// </summary>
    public static BufferView Combine(IComputeBackend backend, int units, IReadOnlyDictionary<UnitBlock, BufferView> sums, ParameterRange range) =>
        Combine(backend, new UnitBlock(0, units), sums, range);

    private static BufferView Combine(IComputeBackend backend, UnitBlock node, IReadOnlyDictionary<UnitBlock, BufferView> sums, ParameterRange range)
    {
        if (sums.TryGetValue(node, out var sum)) return sum;
        if (node.Count == 1) throw new ArgumentException($"no partial sum covers {node}", nameof(sums));
        int p = SplitPoint(node.Count);
        var left = Combine(backend, new UnitBlock(node.Start, p), sums, range);
        var right = Combine(backend, new UnitBlock(node.Start + p, node.Count - p), sums, range);
        backend.Axpy(1f, right.Slice(range.Offset, range.Count), left.Slice(range.Offset, range.Count));
        return left;
    }
}
