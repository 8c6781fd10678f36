using DistributedSolver.Backend;
using DistributedSolver.Nets;

namespace DistributedSolver.Training;

/// <summary>
/// Computes a node of an iteration's unit tree on one net: forward and backward on each of its
/// units in order, summed along the node's own tree. <c>dsolver train</c> runs the whole tree
/// as one node; a worker runs the nodes the coordinator hands it.
/// </summary>
public sealed class UnitRunner(Net net, IComputeBackend backend, int unitsPerIteration)
{
    private readonly Dictionary<int, GradientTree> _trees = [];
    private readonly GradientBuckets _whole = GradientBuckets.Whole(net.ParameterCount);

    public Net Net => net;

    public int UnitsPerIteration => unitsPerIteration;

    /// <summary>The first sample of <paramref name="unit"/> of <paramref name="iteration"/>: units are consecutive batches in index order.</summary>
    public long Position(int iteration, int unit) => ((long)iteration * unitsPerIteration + unit) * net.BatchSize;

    /// <summary>
    /// Runs <paramref name="block"/>'s units of <paramref name="iteration"/>, writes each unit's loss
    /// into <paramref name="losses"/> and returns the block's gradient sum, valid until the next run.
    /// </summary>
    public BufferView Run(int iteration, UnitBlock block, Span<float> losses) => Run(iteration, block, losses, _whole, null);

    /// <summary>
    /// As <see cref="Run(int, UnitBlock, Span{float})"/>, and hands every bucket but the first to
    /// <paramref name="bucketDone"/> (its index and the sum, final on that bucket) as soon as the
    /// last unit's backward has finished it, while the earlier layers still compute.
    /// </summary>
    public BufferView Run(int iteration, UnitBlock block, Span<float> losses, GradientBuckets buckets, Action<int, BufferView>? bucketDone)
    {
        if (block.Start < 0 || block.End > unitsPerIteration) throw new ArgumentOutOfRangeException(nameof(block), $"{block} of {unitsPerIteration} units");
        if (losses.Length != block.Count) throw new ArgumentException($"{losses.Length} loss slots for {block.Count} units", nameof(losses));
        if (buckets.ParameterCount != net.ParameterCount) throw new ArgumentException($"buckets of {buckets.ParameterCount} parameters for a net of {net.ParameterCount}", nameof(buckets));
        if (!_trees.TryGetValue(block.Count, out var tree))
            _trees[block.Count] = tree = new GradientTree(backend, net.ParameterCount, block.Count);
        tree.Reset();
        for (int i = 0; i < block.Count - 1; i++)
        {
            losses[i] = net.ForwardBackward(Position(iteration, block.Start + i));
            tree.Add(i, net.ParameterDiff);
        }
        // Buckets finish from the last to the first; the first is completed after backward.
        int pending = buckets.Ranges.Count - 1;
        Action<int>? early = pending == 0 ? null : finalFrom =>
        {
            for (; pending > 0 && buckets.Ranges[pending].Offset >= finalFrom; pending--)
                bucketDone?.Invoke(pending, tree.Complete(net.ParameterDiff, buckets.Ranges[pending]));
        };
        losses[^1] = net.ForwardBackward(Position(iteration, block.End - 1), early);
        for (; pending > 0; pending--) bucketDone?.Invoke(pending, tree.Complete(net.ParameterDiff, buckets.Ranges[pending]));
        return tree.Complete(net.ParameterDiff, buckets.Ranges[0]);
    }
}
