namespace DistributedSolver.Training;

/// <summary>Units <see cref="Start"/> … <see cref="Start"/> + <see cref="Count"/> − 1 of an iteration: a node of the unit tree.</summary>
public readonly record struct UnitBlock(int Start, int Count)
{
    public int End => Start + Count;

    public override string ToString() => Count == 1 ? $"unit {Start}" : $"units {Start}–{End - 1}";
}
