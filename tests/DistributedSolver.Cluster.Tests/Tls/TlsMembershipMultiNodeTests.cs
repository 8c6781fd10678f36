using Akka.Cluster;
using Akka.Configuration;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.Tls;

/// <summary>Akka.Remote over TLS: holders of the cluster certificate form a cluster; nodes without it, or with another, never become members.</summary>
public sealed class TlsMembershipMultiNodeTests : MultiNodeTest, IDisposable
{
    // A stranger gives up quickly, so its failure is an event to wait for rather than a silence to sit through.
    private static readonly Config GiveUpSoon = ConfigurationFactory.ParseString("akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 4s");

    private readonly TestCertificates _certificates = new();

    public TlsMembershipMultiNodeTests(ITestOutputHelper output) : base(output)
    {
        UseSettings(_certificates.On(LocalCluster.Fast with { FaultInjection = false }));
    }

    public new void Dispose()
    {
        base.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public void MultiNode_Tls_two_nodes_with_the_cluster_certificate_form_a_cluster()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        Assert.Equal("akka.ssl.tcp", coordinator.Cluster.SelfAddress.Protocol);
        Assert.Equal(2, worker.Cluster.State.Members.Count);
    }

    [Fact]
    public async Task MultiNode_Tls_a_node_without_the_certificate_cannot_join()
    {
        var reason = await AssertNeverJoins(LocalCluster.Fast with { FaultInjection = false });
        // Its plain bytes are no TLS record to the seed: no answer, so it gives up on its seeds.
        Assert.IsType<Akka.Actor.CoordinatedShutdown.ClusterJoinUnsuccessfulReason>(reason);
    }

    [Fact]
    public async Task MultiNode_Tls_a_node_with_another_certificate_cannot_join()
    {
        var reason = await AssertNeverJoins(_certificates.On(LocalCluster.Fast with { FaultInjection = false }, _certificates.Stranger));
        // Each side refuses the other's certificate; Akka.Remote 1.5.74 ends a node whose outbound TLS handshake fails.
        Assert.Contains("TLS handshake failed", reason?.ToString());
    }

    /// <summary>Starts a node with <paramref name="strangerSettings"/> against a TLS coordinator; returns why the stranger shut down.</summary>
    private async Task<Akka.Actor.CoordinatedShutdown.Reason?> AssertNeverJoins(NodeSettings strangerSettings)
    {
        var coordinator = Nodes.StartCoordinator();
        Nodes.AwaitUp([coordinator]);
        var events = CreateTestProbe(coordinator.System);
        coordinator.Cluster.Subscribe(events.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        events.ExpectMsg<ClusterEvent.MemberUp>(up => up.Member.Address == coordinator.Cluster.SelfAddress);

        var stranger = Nodes.Start([ClusterRoles.Worker], GiveUpSoon, strangerSettings);
        // The stranger's own verdict: it shuts itself down (the reason is the caller's to check).
        await stranger.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(20));
        // The cluster's: no member event ever named it, and its only member is the coordinator.
        events.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal([coordinator.Cluster.SelfAddress], coordinator.Cluster.State.Members.Select(m => m.Address));
        return Akka.Actor.CoordinatedShutdown.Get(stranger.System).ShutdownReason;
    }
}
