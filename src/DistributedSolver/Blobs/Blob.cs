using DistributedSolver.Backend;

namespace DistributedSolver.Blobs;

/// <summary>
/// Caffe's Blob: an N-d array with a value (<see cref="Data"/>) and a gradient (<see cref="Diff"/>)
/// held by the compute backend. Activations own their buffers; learnable parameters are views
/// into the net's flat parameter buffers, so a whole net's gradient is one contiguous span.
/// </summary>
public sealed class Blob
{
    private BufferView? _data;
    private BufferView? _diff;
    private int[] _shape = [];

    public Blob(string name) => Name = name;

    public string Name { get; }

    public IReadOnlyList<int> Shape => _shape;

    public int Count { get; private set; }

    public int NumAxes => _shape.Length;

    public BufferView Data => _data ?? throw Unbound();

    public BufferView Diff => _diff ?? throw Unbound();

    public bool IsBound => _data is not null;

    public string ShapeString => $"({string.Join(",", _shape)})";

    public int CanonicalAxis(int axis)
    {
        int canonical = axis < 0 ? axis + NumAxes : axis;
        if (canonical < 0 || canonical >= NumAxes)
            throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is outside blob '{Name}' of shape {ShapeString}");
        return canonical;
    }

    /// <summary>The product of the dimensions in [start, end).</summary>
    public int CountAxes(int start, int end)
    {
        int count = 1;
        for (int i = start; i < end; i++) count *= _shape[i];
        return count;
    }

    /// <summary>Sets the shape without storage; <see cref="Bind"/> or <see cref="Allocate"/> gives it memory.</summary>
    public void SetShape(IReadOnlyList<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"blob '{Name}': negative dimension in ({string.Join(",", shape)})");
            count *= d;
            if (count > int.MaxValue) throw new ArgumentException($"blob '{Name}': shape ({string.Join(",", shape)}) is too large");
        }
        if (_data is { } data && data.Length < count) { _data = null; _diff = null; }
        _shape = [.. shape];
        Count = (int)count;
    }

    /// <summary>Gives the blob buffers of its own (activations, or a layer used outside a net).</summary>
    public void Allocate(IComputeBackend backend)
    {
        _data = backend.Allocate(Count).View;
        _diff = backend.Allocate(Count).View;
    }

    /// <summary>Points the blob at memory owned elsewhere: the net's flat parameter buffers, or a shared blob.</summary>
    public void Bind(BufferView data, BufferView diff)
    {
        if (data.Length != Count || diff.Length != Count)
            throw new ArgumentException($"blob '{Name}' of shape {ShapeString} cannot bind to views of {data.Length} and {diff.Length}");
        _data = data;
        _diff = diff;
    }

    /// <summary>Shares <paramref name="other"/>'s values but keeps its own gradient (Caffe's ShareData, used by Split).</summary>
    public void ShareData(Blob other, IComputeBackend backend)
    {
        _data = other.Data;
        _diff = backend.Allocate(Count).View;
    }

    public bool ShapeEquals(IReadOnlyList<int> shape) => _shape.SequenceEqual(shape);

    private InvalidOperationException Unbound() => new($"blob '{Name}' {ShapeString} has no storage yet");
}
