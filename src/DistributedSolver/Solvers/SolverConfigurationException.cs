namespace DistributedSolver.Solvers;

/// <summary>A solver.prototxt whose values cannot train: names the field.</summary>
public sealed class SolverConfigurationException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}
