using Akka.Cluster;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

public sealed class MembershipMultiNodeTests(ITestOutputHelper output) : MultiNodeTest(output)
{
    [Fact]
    public void MultiNode_two_nodes_join_through_the_seed_and_reach_Up()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        Assert.Contains(ClusterRoles.Worker, coordinator.Cluster.State.Members.Single(m => m.Address.Equals(worker.Cluster.SelfAddress)).Roles);
    }

    [Fact]
    public void MultiNode_a_coordinator_pair_and_three_workers_all_see_each_other_Up()
    {
        Nodes.StartCoordinator();
        Nodes.StartCoordinator();
        for (int i = 0; i < 3; i++) Nodes.StartWorker();
        Nodes.AwaitAllUp();
        Assert.All(Nodes.Nodes, n => Assert.Equal(5, n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up)));
    }

    [Fact]
    public async Task MultiNode_a_restarted_node_on_the_same_port_joins_as_a_new_incarnation()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        var first = worker.Cluster.SelfUniqueAddress;
        await Nodes.Leave(worker);
        Nodes.AwaitRemoved(worker, coordinator, TimeSpan.FromSeconds(10));

        var restarted = Nodes.Start([ClusterRoles.Worker], settings: Nodes.Template with { Port = first.Address.Port!.Value });
        Nodes.AwaitUp([restarted], [coordinator]);
        Assert.Equal(first.Address, restarted.Cluster.SelfAddress);
        Assert.NotEqual(first.Uid, restarted.Cluster.SelfUniqueAddress.Uid);
    }

    [Fact]
    public void MultiNode_a_node_of_another_system_name_is_refused_and_the_cluster_is_undisturbed()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        var events = CreateTestProbe(coordinator.System);
        coordinator.Cluster.Subscribe(events.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.UnreachableMember));
        events.ReceiveN(2); // the two members already Up

        var stranger = Nodes.Start([ClusterRoles.Worker], settings: Nodes.Template with { SystemName = "intruder" });
        events.ExpectNoMsg(TimeSpan.FromSeconds(5));
        Assert.Equal(2, coordinator.Cluster.State.Members.Count);
        Assert.NotEqual(MemberStatus.Up, stranger.Cluster.SelfMember.Status);
    }

    [Fact]
    public async Task MultiNode_a_slow_link_delays_but_does_not_break_membership()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        var events = CreateTestProbe(coordinator.System);
        coordinator.Cluster.Subscribe(events.Ref, typeof(ClusterEvent.UnreachableMember));
        events.ExpectMsg<ClusterEvent.CurrentClusterState>();
        await Nodes.Slow(worker, coordinator, bytesPerSecond: 50_000);
        await Nodes.Slow(coordinator, worker, bytesPerSecond: 50_000);

        // Heartbeats are small enough for the slow link; a ping still gets through, just later.
        var proxy = worker.CoordinatorProxy();
        coordinator.StartCoordinatorSingleton(DistributedSolver.Cluster.Training.CoordinatorActor.Props(TrainingRuns.Idle(coordinator.Settings, 1)));
        var probe = CreateTestProbe(worker.System);
        proxy.Tell(new Messages.Ping(7), probe.Ref);
        probe.ExpectMsg<Messages.Pong>(p => p.Sequence == 7, TimeSpan.FromSeconds(15));
        events.ExpectNoMsg(TimeSpan.FromSeconds(3));
    }
}
