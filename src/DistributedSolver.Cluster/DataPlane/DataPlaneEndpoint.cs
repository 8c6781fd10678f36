namespace DistributedSolver.Cluster.DataPlane;

/// <summary>Where a listener accepts connections: the advertised host and the bound port (the real one when 0 was asked for).</summary>
internal sealed record DataPlaneEndpoint(string Host, int Port);
