using DistributedSolver.Backend;

namespace DistributedSolver.Training;

/// <summary>
/// Sums the gradients of units 0..U−1 along one fixed pairwise tree (DESIGN.md): a range of n
/// units splits into its first p units and the rest, with p the largest power of two below n.
/// Aligned blocks (0–1, 4–7) are subtrees, so a worker holding one sends one partial sum and the
/// total has the same bits whoever added which subtree. Units arrive in order; like a binary
/// counter it keeps at most log₂U + 1 partial sums.
/// </summary>
public sealed class GradientTree
{
    private readonly IComputeBackend _backend;
    private readonly int _units;
    private readonly List<BufferView> _free = [];
    private readonly List<(BufferView Sum, int Size)> _stack = [];
    private BufferView? _single;
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
        _single = null;
        _next = 0;
    }

    /// <summary>Adds unit <paramref name="unit"/>'s gradient; with one unit the view itself is the result, so it must outlive <see cref="Complete"/>.</summary>
    public void Add(int unit, BufferView gradient)
    {
        if (unit != _next) throw new InvalidOperationException($"unit {unit} added, unit {_next} expected");
        if (gradient.Length != Length) throw new ArgumentException($"gradient of {gradient.Length} values, {Length} expected", nameof(gradient));
        _next++;
        if (_units == 1)
        {
            _single = gradient;
            return;
        }
        var node = Rent();
        _backend.Copy(gradient, node);
        _stack.Add((node, 1));
        while (_stack.Count >= 2 && _stack[^1].Size == _stack[^2].Size) MergeTop();
    }

    /// <summary>The sum of all units, once every unit was added.</summary>
    public BufferView Complete()
    {
        if (_next != _units) throw new InvalidOperationException($"{_next} of {_units} units added");
        if (_single is { } single) return single;
        // The remaining partial sums are the tree's right spine: add them right to left.
        while (_stack.Count > 1) MergeTop();
        return _stack[0].Sum;
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
