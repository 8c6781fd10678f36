using System.Diagnostics;
using Akka.Cluster;
using Akka.Remote.Transport;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

public sealed class FailureMultiNodeTests(ITestOutputHelper output) : MultiNodeTest(output)
{

    /// <summary>
    /// Unreachable after the acceptable pause plus phi's ramp (AKKA-NOTES: 2.3–3.1 s at 500/1500 ms),
    /// downed stable-after later, removed about a second after that; doubled for a busy CI machine.
    /// </summary>
    private TimeSpan RemovalBound => 2 * (Nodes.Template.AcceptableHeartbeatPause + 3 * Nodes.Template.HeartbeatInterval + Nodes.Template.StableAfter + TimeSpan.FromSeconds(1));

    [Fact]
    public async Task MultiNode_a_killed_worker_is_detected_downed_and_removed_within_the_bound()
    {
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        var other = Nodes.StartWorker();
        Nodes.AwaitAllUp();

        var clock = Stopwatch.StartNew();
        await Nodes.Isolate(worker);
        Nodes.AwaitUnreachable(worker, coordinator, unreachable: true, RemovalBound);
        var unreachableAfter = clock.Elapsed;
        Nodes.AwaitRemoved(worker, coordinator, RemovalBound);
        Output.WriteLine($"unreachable after {unreachableAfter.TotalSeconds:F1} s, removed after {clock.Elapsed.TotalSeconds:F1} s (bound {RemovalBound.TotalSeconds:F1} s)");
        Assert.True(clock.Elapsed < RemovalBound);
        Nodes.AwaitUp([coordinator, other], [coordinator, other]);
    }

    [Theory]
    [InlineData(ThrottleTransportAdapter.Direction.Both)]
    [InlineData(ThrottleTransportAdapter.Direction.Send)]
    public async Task MultiNode_a_blackholed_link_makes_the_node_unreachable_and_healing_makes_it_reachable(ThrottleTransportAdapter.Direction direction)
    {
        // A long stable-after: the link heals before the resolver would down anyone.
        UseSettings(LocalCluster.Fast with { StableAfter = TimeSpan.FromSeconds(30) });
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();

        await Nodes.Blackhole(worker, coordinator, direction);
        Nodes.AwaitUnreachable(worker, coordinator, unreachable: true, TimeSpan.FromSeconds(15));
        await Nodes.Heal(worker, coordinator);
        Nodes.AwaitUnreachable(worker, coordinator, unreachable: false, TimeSpan.FromSeconds(15));
        Assert.Equal(MemberStatus.Up, coordinator.Cluster.State.Members.Single(m => m.Address.Equals(worker.Cluster.SelfAddress)).Status);
    }

    [Fact]
    public async Task MultiNode_a_partition_keeps_the_side_of_the_oldest_coordinator()
    {
        // keep-oldest: {oldest node (the active coordinator), worker A} | {standby, worker B}.
        var active = Nodes.StartCoordinator();
        Nodes.AwaitAllUp();
        var standby = Nodes.StartCoordinator();
        var workerA = Nodes.StartWorker();
        var workerB = Nodes.StartWorker();
        Nodes.AwaitAllUp();

        foreach (var (left, right) in new[] { (active, standby), (active, workerB), (workerA, standby), (workerA, workerB) })
        {
            await Nodes.Blackhole(left, right);
            await Nodes.Blackhole(right, left);
        }
        Nodes.AwaitRemoved(standby, active, RemovalBound);
        Nodes.AwaitRemoved(workerB, active, RemovalBound);
        Nodes.AwaitUp([active, workerA], [active, workerA]);
    }
}
