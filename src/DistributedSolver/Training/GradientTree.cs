using DistributedSolver.Backend;

namespace DistributedSolver.Training;

/// <summary>
/// Sums the gradients of units 0..U−1 along one fixed pairwise tree (DESIGN.md): a range of n
/// units splits into its first p units and the rest, with p the largest power of two below n.
/// Aligned blocks (0–1, 4–7) are subtrees, so a worker holding one sends one partial sum and the
/// total has the same bits whoever added which subtree. Units arrive in order; like a binary
/// counter it keeps at most log₂U + 1 partial sums. The last unit completes the sum range by range
/// (<see cref="Complete"/>), so a range whose gradient backward has finished can leave early.
/// </summary>
public sealed class GradientTree
{
    private readonly IComputeBackend _backend;
    private readonly int _units;
    private readonly List<BufferView> _free = [];
    private readonly List<(BufferView Sum, int Size)> _stack = [];
    private int _next;

    public GradientTree(IComputeBackend backend, int length, int units)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        _backend = backend;
        Length = length;
        _units = units;
    }

    public int Length { get; }

    public void Reset()
    {
        foreach (var (sum, _) in _stack) _free.Add(sum);
        _stack.Clear();
        _next = 0;
    }

    /// <summary>Adds unit <paramref name="unit"/>'s gradient, for every unit but the last.</summary>
    public void Add(int unit, BufferView gradient)
    {
        if (unit != _next || unit == _units - 1) throw new InvalidOperationException($"unit {unit} added, unit {_next} expected (the last unit of {_units} completes the sum)");
        CheckLength(gradient);
        _next++;
        var node = Rent();
        _backend.Copy(gradient, node);
        _stack.Add((node, 1));
        while (_stack.Count >= 2 && _stack[^1].Size == _stack[^2].Size) MergeTop();
    }

    /// <summary>
    /// The sum of all units on <paramref name="range"/>, with <paramref name="lastGradient"/> as the
    /// last unit's: the partial sums are added right to left into the leftmost, on those values only,
    /// so ranges completed one by one give the bits of one whole completion. Each range once; the
    /// returned buffer (the last gradient itself for a one-unit tree) holds every completed range.
    /// </summary>
    public BufferView Complete(BufferView lastGradient, ParameterRange range)
    {
        if (_next != _units - 1) throw new InvalidOperationException($"{_next} of {_units - 1} units added before the last");
        CheckLength(lastGradient);
        if (range.Offset < 0 || range.End > Length) throw new ArgumentOutOfRangeException(nameof(range), $"{range} of {Length}");
        if (_stack.Count == 0) return lastGradient;
        _backend.Axpy(1f, lastGradient.Slice(range.Offset, range.Count), _stack[^1].Sum.Slice(range.Offset, range.Count));
        for (int i = _stack.Count - 1; i > 0; i--)
            _backend.Axpy(1f, _stack[i].Sum.Slice(range.Offset, range.Count), _stack[i - 1].Sum.Slice(range.Offset, range.Count));
        return _stack[0].Sum;
    }

    private void CheckLength(BufferView gradient)
    {
        if (gradient.Length != Length) throw new ArgumentException($"gradient of {gradient.Length} values, {Length} expected", nameof(gradient));
    }

    private void MergeTop()
    {
        var right = _stack[^1];
        var left = _stack[^2];
        _backend.Axpy(1f, right.Sum, left.Sum);
        _stack.RemoveAt(_stack.Count - 1);
        _stack[^1] = (left.Sum, left.Size + right.Size);
        _free.Add(right.Sum);
    }

    private BufferView Rent()
    {
        if (_free.Count == 0) return _backend.Allocate(Length).View;
        var view = _free[^1];
        _free.RemoveAt(_free.Count - 1);
        return view;
    }
}
