using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// Asks each joining member for its wire version and downs it on a mismatch. Only an Up member judges,
/// and only members it asked, so a refused newcomer can never down the cluster it tried to join.
/// </summary>
internal sealed class WireVersionGuardActor : ReceiveActor, IWithTimers
{
    private sealed class Retry
    {
        public static readonly Retry Instance = new();
    }

    // A joining node's guard may not have started yet when the query arrives (it then goes to dead
    // letters): ask again until it answers or leaves.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly int _version;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<Address> _unverified = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public WireVersionGuardActor(int version)
    {
        _version = version;
        Receive<ClusterEvent.MemberJoined>(e => Track(e.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(e => Track(e.Member));
        Receive<ClusterEvent.MemberRemoved>(e => _unverified.Remove(e.Member.Address));
        Receive<Retry>(_ => { foreach (var address in _unverified) Query(address); });
        Receive<WireVersionQuery>(OnQuery);
        Receive<WireVersionAnswer>(OnAnswer);
    }

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberJoined), typeof(ClusterEvent.MemberWeaklyUp), typeof(ClusterEvent.MemberRemoved));
        Timers.StartPeriodicTimer(Retry.Instance, Retry.Instance, RetryInterval);
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Track(Member member)
    {
        if (member.Address == _cluster.SelfAddress || !_unverified.Add(member.Address)) return;
        Query(member.Address);
    }

    private void Query(Address address)
    {
        if (_cluster.SelfMember.Status != MemberStatus.Up) return;
        Context.ActorSelection(new RootActorPath(address) / "system" / WireVersionGuard.ActorName)
            .Tell(new WireVersionQuery(_version), Self);
    }

    private void OnQuery(WireVersionQuery query)
    {
        if (query.Version != _version)
            _log.Error("The cluster member [{0}] speaks wire version {1}; this node speaks wire version {2} ({3}) and will be refused",
                Sender.Path.Address, query.Version, _version, WireVersion.ConfigKey);
        Sender.Tell(new WireVersionAnswer(_version), Self);
    }

    private void OnAnswer(WireVersionAnswer answer)
    {
        var address = Sender.Path.Address;
        if (!_unverified.Remove(address) || answer.Version == _version) return;
        _log.Warning("Found incompatible settings when [{0}] tried to join: {1} is {2}, this cluster's is {3}. Downing it.",
            address, WireVersion.ConfigKey, answer.Version, _version);
        _cluster.Down(address);
    }
}
