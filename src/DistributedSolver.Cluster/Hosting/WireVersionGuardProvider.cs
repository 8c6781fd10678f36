using Akka.Actor;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>Listed under <c>akka.extensions</c> by <see cref="HoconBuilder"/>, so every node starts its guard.</summary>
public sealed class WireVersionGuardProvider : ExtensionIdProvider<WireVersionGuard>
{
    public override WireVersionGuard CreateExtension(ExtendedActorSystem system) => new(system);
}
