using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>Asks a <see cref="DataPlaneListener"/> where it listens; answered with <see cref="DataPlaneEndpoint"/>.</summary>
internal sealed record GetDataPlaneEndpoint : INoSerializationVerificationNeeded
{
    public static readonly GetDataPlaneEndpoint Instance = new();

    private GetDataPlaneEndpoint()
    {
    }
}
