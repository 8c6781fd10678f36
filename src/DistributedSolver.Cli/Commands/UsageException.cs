namespace DistributedSolver.Cli.Commands;

/// <summary>Options that parse but do not make sense together.</summary>
internal sealed class UsageException(string message) : Exception(message);
