using Akka.Actor;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// Refuses nodes of another wire version at join. Akka.NET 1.5 has no JoinConfigCompatChecker (JVM
/// Akka's <c>configuration-compatibility-check</c>), so the members of the cluster ask every joining
/// node for its <c>dsolver.wire-version</c> and down it on a mismatch.
/// </summary>
public sealed class WireVersionGuard : IExtension
{
    /// <summary>Where every node's guard actor lives, so peers can address it without a lookup.</summary>
    internal const string ActorName = "dsolver-wire-version";

    internal WireVersionGuard(ExtendedActorSystem system)
    {
        var config = system.Settings.Config;
        int version = config.HasPath(WireVersion.ConfigKey) ? config.GetInt(WireVersion.ConfigKey) : WireVersion.Current;
        system.SystemActorOf(Props.Create(() => new WireVersionGuardActor(version)), ActorName);
    }
}
