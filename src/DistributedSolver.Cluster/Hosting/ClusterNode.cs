using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using Akka.Event;
using DistributedSolver.Cluster.Operations;
using Done = Akka.Done;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// One node of the trainer's cluster: an ActorSystem configured by <see cref="HoconBuilder"/>,
/// joined through its seeds. Coordinated shutdown (SIGTERM, or being downed) ends it;
/// <see cref="WhenTerminated"/> lets the process exit so a supervisor can restart it.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    /// <summary>The singleton's name under /user: one coordinator + parameter server per cluster.</summary>
    public const string CoordinatorName = "coordinator";

    private ClusterNode(NodeSettings settings, ActorSystem system)
    {
        Settings = settings;
        System = system;
        Cluster = Akka.Cluster.Cluster.Get(system);
    }

    public NodeSettings Settings { get; }

    public ActorSystem System { get; }

    public Akka.Cluster.Cluster Cluster { get; }

    public Task WhenTerminated => System.WhenTerminated;

    /// <summary>The node's /healthz, /readyz and /metrics, when its settings give an HTTP port.</summary>
    public OperationsEndpoint? Operations { get; private set; }

    /// <param name="overrides">Config that wins over the built HOCON (tests: another wire version).</param>
    public static ClusterNode Start(NodeSettings settings, Config? overrides = null)
    {
        var config = HoconBuilder.Config(settings);
        if (overrides is not null) config = overrides.WithFallback(config);
        var node = new ClusterNode(settings, CreateSystem(settings, config));
        if (settings.HttpPort is { } port)
        {
            // Before joining, so probes answer (not ready) while the node joins.
            OperationsEndpoint operations;
            try
            {
                operations = OperationsEndpoint.StartAsync(node, port).GetAwaiter().GetResult();
            }
            catch
            {
                // A port that is taken must not leave a member without its actors in the cluster.
                node.System.Terminate().Wait();
                throw;
            }
            node.Operations = operations;
            node.System.WhenTerminated.ContinueWith(_ => operations.DisposeAsync().AsTask(), TaskScheduler.Default);
        }
        // A seedless node founds its own cluster: the first coordinator of a fresh cluster.
        if (settings.Seeds.Count == 0) node.Cluster.Join(node.Cluster.SelfAddress);
        return node;
    }

    // With TLS, the setup carries the pin to the cluster certificate (ClusterCertificate says why
    // HOCON cannot); the system holds the certificate until it terminates.
    private static ActorSystem CreateSystem(NodeSettings settings, Config config)
    {
        if (!settings.TlsEnabled) return ActorSystem.Create(settings.SystemName, config);
        var certificate = settings.LoadTlsCertificate();
        try
        {
            var system = ActorSystem.Create(settings.SystemName, BootstrapSetup.Create().WithConfig(config).And(certificate.AkkaSslSetup()));
            system.WhenTerminated.ContinueWith(_ => certificate.Dispose(), TaskScheduler.Default);
            return system;
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the coordinator singleton on this node's coordinator role (active or standby; the role
    /// is in the HOCON). When the node leaves on purpose (SIGTERM, Ctrl-C), the singleton, if it runs
    /// here, first stops at an iteration boundary and writes a snapshot, so the next one resumes
    /// exactly there; not when the node was downed, since the next singleton may already be running.
    /// </summary>
    public IActorRef StartCoordinatorSingleton(Props coordinator)
    {
        var manager = System.ActorOf(ClusterSingletonManager.Props(coordinator, PoisonPill.Instance,
            ClusterSingletonManagerSettings.Create(System)), CoordinatorName);
        var shutdown = CoordinatedShutdown.Get(System);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "dsolver-hand-over-snapshot", async () =>
        {
            if (shutdown.ShutdownReason is CoordinatedShutdown.ClusterDowningReason) return Done.Instance;
            IActorRef singleton;
            try
            {
                singleton = await System.ActorSelection($"/user/{CoordinatorName}/{SingletonName}").ResolveOne(TimeSpan.FromSeconds(1));
            }
            catch (ActorNotFoundException)
            {
                return Done.Instance; // a standby: nothing runs here
            }
            try
            {
                await singleton.Ask<Training.HandOverPrepared>(Training.PrepareHandOver.Instance, Settings.HandOverTimeout);
            }
            catch (AskTimeoutException)
            {
                System.Log.Warning("No snapshot within the hand-over timeout ({0}): the next coordinator resumes from the newest earlier one", Settings.HandOverTimeout);
            }
            return Done.Instance;
        });
        return manager;
    }

    /// <summary>
    /// Waits, at most <paramref name="timeout"/>, until no worker is an active member any more
    /// (each is leaving or gone). A coordinator that ends a run stays this long: a worker that had
    /// not registered again since a hand-over is told the run is over when it does, instead of
    /// looking for a coordinator that has left.
    /// </summary>
    public async Task AwaitWorkersLeavingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !System.WhenTerminated.IsCompleted
            && Cluster.State.Members.Any(m => m.HasRole(ClusterRoles.Worker)
                && m.Status is Akka.Cluster.MemberStatus.Joining or Akka.Cluster.MemberStatus.WeaklyUp or Akka.Cluster.MemberStatus.Up))
            await Task.Delay(100).ConfigureAwait(false);
    }

    /// <summary>The singleton's name under its manager (Akka's default).</summary>
    private const string SingletonName = "singleton";

    /// <summary>A proxy that reaches the singleton wherever it runs and buffers during a hand-over.</summary>
    public IActorRef CoordinatorProxy(string name = "coordinator-proxy") =>
        System.ActorOf(ClusterSingletonProxy.Props($"/user/{CoordinatorName}",
            ClusterSingletonProxySettings.Create(System)), name);

    /// <summary>Leaves the cluster gracefully (coordinated shutdown) and waits for the system to end.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        await System.WhenTerminated;
    }
}
