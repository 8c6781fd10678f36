namespace DistributedSolver.Backend;

public enum Transpose
{
    No,
    Yes,
}
