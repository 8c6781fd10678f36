using DistributedSolver.Nets;

namespace DistributedSolver.Training;

/// <summary>
/// The flat parameter buffer cut at layer boundaries into buckets that travel separately, as
/// PyTorch DDP's buckets do: backward finishes the last layers first, so the buckets after the
/// first can be sent, summed and updated while the earlier layers still compute. Every bucket but
/// possibly the first holds at least the minimum size. The sums and updates are elementwise, so
/// the bits do not depend on the cut; clipping on the global gradient norm needs every gradient at
/// once, and gets a single bucket.
/// </summary>
public sealed class GradientBuckets
{
    private GradientBuckets(IReadOnlyList<ParameterRange> ranges)
    {
        Ranges = ranges;
        Offsets = [.. ranges.Select(r => r.Offset)];
    }

    /// <summary>In parameter order: <c>Ranges[0]</c> starts at 0 and is the last to be final in backward.</summary>
    public IReadOnlyList<ParameterRange> Ranges { get; }

    public int ParameterCount => Ranges[^1].End;

    /// <summary>Where each bucket starts: what a registration sends a worker.</summary>
    public IReadOnlyList<int> Offsets { get; }

    public static GradientBuckets Whole(int parameterCount) => new([new ParameterRange(0, parameterCount)]);

    /// <summary>Buckets of at least <paramref name="minimumBytes"/>, cut from the end of the buffer at layer boundaries.</summary>
    public static GradientBuckets Plan(Net net, int minimumBytes, bool clipsGlobalNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumBytes);
        if (clipsGlobalNorm) return Whole(net.ParameterCount);
        var starts = new List<int>();
        int end = net.ParameterCount;
        foreach (int boundary in LayerBoundaries(net).Reverse())
        {
            if (boundary == 0 || (long)(end - boundary) * sizeof(float) < minimumBytes) continue;
            starts.Add(boundary);
            end = boundary;
        }
        starts.Add(0);
        starts.Reverse();
        return Of(starts, net.ParameterCount);
    }

    /// <summary>The buckets starting at <paramref name="offsets"/>, each of which must be where a layer's parameters start.</summary>
    public static GradientBuckets FromOffsets(Net net, IReadOnlyList<int> offsets)
    {
        var boundaries = LayerBoundaries(net).ToHashSet();
        if (offsets.Count == 0 || offsets[0] != 0)
            throw new ArgumentException("gradient buckets must start at parameter 0", nameof(offsets));
        for (int i = 0; i < offsets.Count; i++)
        {
            if (!boundaries.Contains(offsets[i]) || (i > 0 && offsets[i] <= offsets[i - 1]))
                throw new ArgumentException($"gradient bucket offset {offsets[i]} is not an ascending layer boundary of this net ({string.Join(", ", boundaries.Order())})", nameof(offsets));
        }
        return Of(offsets, net.ParameterCount);
    }

    /// <summary>The bucket starting at <paramref name="offset"/>, or −1 when none does.</summary>
    public int IndexOf(int offset)
    {
        for (int i = 0; i < Ranges.Count; i++)
            if (Ranges[i].Offset == offset) return i;
        return -1;
    }

    private static GradientBuckets Of(IReadOnlyList<int> starts, int parameterCount) =>
        new([.. starts.Select((s, i) => new ParameterRange(s, (i + 1 < starts.Count ? starts[i + 1] : parameterCount) - s))]);

    // A net with no parameters still has its (empty) bucket at 0.
    private static IEnumerable<int> LayerBoundaries(Net net) =>
        net.Parameters.Count == 0 ? [0] : net.Parameters.Where(p => p.Index == 0).Select(p => p.Offset);
}
