namespace DistributedSolver.Layers;

/// <summary>A net that cannot be built as written: unknown layer type, missing blob, bad shape.</summary>
public sealed class NetConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
