using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using Akka.TestKit;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.Tests.Kit;

/// <summary>
/// K nodes of the trainer's cluster in one test process, on loopback ports, with fault
/// injection through Akka.Remote's throttler adapter (AKKA-NOTES): blackhole a link one way or
/// both, heal it, throttle it, or cut a node off from everyone (an abrupt death without a leave).
/// Disposal heals every link first, then shuts all nodes down, so a test never waits on a leave
/// that cannot get through.
/// </summary>
internal sealed class LocalCluster(TestKitBase kit, NodeSettings? template = null) : IAsyncDisposable
{
    /// <summary>The failure detector and SBR timings of AKKA-NOTES' measurements.</summary>
    public static readonly NodeSettings Fast = new()
    {
        Port = 0,
        DataPlanePort = 0,
        ClusterToken = "test-token",
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        AcceptableHeartbeatPause = TimeSpan.FromMilliseconds(1500),
        StableAfter = TimeSpan.FromSeconds(2),
        FaultInjection = true,
    };

    private readonly NodeSettings _template = template ?? Fast;
    private readonly List<ClusterNode> _nodes = [];
    private readonly HashSet<(ClusterNode, ClusterNode)> _throttled = [];

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public NodeSettings Template => _template;

    private IReadOnlyList<string>? _externalSeeds;

    /// <summary>Seeds as host:port: the first node's once it runs, unless the cluster was founded outside the test.</summary>
    public IReadOnlyList<string> Seeds => _externalSeeds ?? (_nodes.Count == 0 ? [] : [HostPort(_nodes[0])]);

    /// <summary>Joins the nodes started from now on to a cluster founded elsewhere (a real process).</summary>
    public void UseSeeds(params string[] seeds) => _externalSeeds = seeds;

    public static string HostPort(ClusterNode node) => $"{node.Cluster.SelfAddress.Host}:{node.Cluster.SelfAddress.Port}";

    /// <summary>Starts a node with <paramref name="roles"/>; the first node founds the cluster, the others join it.</summary>
    public ClusterNode Start(string[] roles, Config? overrides = null, NodeSettings? settings = null)
    {
        // The nodes' INFO lines would drown the test output; failures still log warnings.
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        var node = ClusterNode.Start((settings ?? _template) with { Roles = roles, Seeds = Seeds },
            overrides is null ? quiet : overrides.WithFallback(quiet));
        _nodes.Add(node);
        return node;
    }

    public ClusterNode StartCoordinator() => Start([ClusterRoles.Coordinator]);

    public ClusterNode StartWorker() => Start([ClusterRoles.Worker]);

    /// <summary>Waits until every node of <paramref name="observers"/> sees each of <paramref name="members"/> Up.</summary>
    public void AwaitUp(IEnumerable<ClusterNode> members, IEnumerable<ClusterNode>? observers = null, TimeSpan? within = null)
    {
        var expected = members.Select(m => m.Cluster.SelfUniqueAddress).ToList();
        foreach (var observer in observers ?? _nodes.Where(n => !n.System.WhenTerminated.IsCompleted))
            kit.AwaitAssert(() =>
            {
                var state = observer.Cluster.State;
                var up = state.Members.Where(m => m.Status == MemberStatus.Up).Select(m => m.UniqueAddress).ToHashSet();
                Assert.True(expected.All(up.Contains), $"{observer.Cluster.SelfAddress} waits for {string.Join(", ", expected.Where(e => !up.Contains(e)).Select(e => e.Address))} to be Up; it sees "
                    + string.Join(", ", state.Members.Select(m => $"{m.Address} {m.Status}"))
                    + $"; unreachable: [{string.Join(", ", state.Unreachable.Select(m => m.Address))}]; leader {state.Leader}");
            }, within ?? TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
    }

    public void AwaitAllUp(TimeSpan? within = null) => AwaitUp(_nodes, within: within);

    /// <summary>Waits until <paramref name="observer"/> no longer lists <paramref name="member"/> at all (downed and removed).</summary>
    public void AwaitRemoved(ClusterNode member, ClusterNode observer, TimeSpan within) =>
        kit.AwaitAssert(() => Assert.DoesNotContain(observer.Cluster.State.Members, m => m.UniqueAddress.Equals(member.Cluster.SelfUniqueAddress)),
            within, TimeSpan.FromMilliseconds(100));

    public void AwaitUnreachable(ClusterNode member, ClusterNode observer, bool unreachable, TimeSpan within) =>
        kit.AwaitAssert(() => Assert.Equal(unreachable, observer.Cluster.State.Unreachable.Any(m => m.UniqueAddress.Equals(member.Cluster.SelfUniqueAddress))),
            within, TimeSpan.FromMilliseconds(100));

    public Task Blackhole(ClusterNode from, ClusterNode to, ThrottleTransportAdapter.Direction direction = ThrottleTransportAdapter.Direction.Both) =>
        Throttle(from, to, direction, Akka.Remote.Transport.Blackhole.Instance);

    public Task Heal(ClusterNode from, ClusterNode to) =>
        Throttle(from, to, ThrottleTransportAdapter.Direction.Both, Unthrottled.Instance);

    /// <summary>Limits a link to <paramref name="bytesPerSecond"/>: a slow link, where large messages arrive late.</summary>
    public Task Slow(ClusterNode from, ClusterNode to, int bytesPerSecond) =>
        Throttle(from, to, ThrottleTransportAdapter.Direction.Both, new TokenBucket(bytesPerSecond, bytesPerSecond, 0, 0));

    /// <summary>Cuts <paramref name="node"/> off from every other node, both ways: to them it died abruptly.</summary>
    public async Task Isolate(ClusterNode node)
    {
        foreach (var other in _nodes.Where(n => n != node && !n.System.WhenTerminated.IsCompleted))
        {
            await Blackhole(node, other);
            await Blackhole(other, node);
        }
    }

    private async Task Throttle(ClusterNode from, ClusterNode to, ThrottleTransportAdapter.Direction direction, ThrottleMode mode)
    {
        if (!_template.FaultInjection) throw new InvalidOperationException("fault injection is off for this cluster");
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)from.System).Provider).Transport;
        Assert.True(await transport.ManagementCommand(new SetThrottle(to.Cluster.SelfAddress, direction, mode)));
        if (mode is Unthrottled) _throttled.Remove((from, to));
        else _throttled.Add((from, to));
    }

    /// <summary>A graceful leave of one node, awaited.</summary>
    public async Task Leave(ClusterNode node) => await node.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        // Best effort: a node the cluster downed may be shutting its remoting down already.
        foreach (var (from, to) in _throttled.ToList())
        {
            try
            {
                await Heal(from, to).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Teardown only: whatever failed here, the test already has its verdict.
            }
        }
        await Task.WhenAll(_nodes.Select(n => n.System.Terminate()));
    }
}
