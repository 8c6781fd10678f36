namespace DistributedSolver.Training;

/// <summary>Values [<see cref="Offset"/>, <see cref="End"/>) of a net's flat parameter buffers.</summary>
public readonly record struct ParameterRange(int Offset, int Count)
{
    public int End => Offset + Count;

    public override string ToString() => $"parameters {Offset}–{End - 1}";
}
