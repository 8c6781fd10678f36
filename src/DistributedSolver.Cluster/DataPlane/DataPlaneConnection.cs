using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A worker's connection to the parameter server's data plane: sends gradient frames in order
/// (<see cref="SendTensor"/>, acknowledged with <see cref="TensorSent"/>) and delivers the weights
/// frames it receives to the owner. Akka decides whether the server is alive: while its node is an
/// up, reachable member, a lost socket is reopened with exponential backoff; once the node is
/// downed or removed this actor stops for good.
/// </summary>
internal sealed class DataPlaneConnection : ReceiveActor, IWithTimers
{
    private const string ReconnectTimer = "reconnect";

    private readonly DataPlaneSettings _settings;
    private readonly DataPlaneEndpoint _server;
    private readonly Address _serverNode;
    private readonly long _incarnation;
    private readonly string _nodeId;
    private readonly IActorRef _owner;
    private readonly string _peer;
    private readonly FrameSendQueue _sends;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private FrameLink? _link;
    private bool _opening;
    private bool _serverUp;
    private bool _serverReachable = true;
    private TimeSpan _backoff;

    public DataPlaneConnection(DataPlaneSettings settings, DataPlaneEndpoint server, Address serverNode, long incarnation, string nodeId, IActorRef owner)
    {
        _settings = settings;
        _server = server;
        _serverNode = serverNode;
        _incarnation = incarnation;
        _nodeId = nodeId;
        _owner = owner;
        _peer = $"parameter server {server.Host}:{server.Port}";
        _sends = new FrameSendQueue(FrameKind.Gradient, settings.SendQueueCapacity);
        _backoff = settings.ReconnectMinBackoff;

        Receive<ClusterEvent.MemberUp>(up => up.Member.Address == _serverNode, _ =>
        {
            _serverUp = true;
            Open();
        });
        Receive<ClusterEvent.UnreachableMember>(e => e.Member.Address == _serverNode, _ => _serverReachable = false);
        Receive<ClusterEvent.ReachableMember>(e => e.Member.Address == _serverNode, _ =>
        {
            _serverReachable = true;
            Open();
        });
        Receive<ClusterEvent.MemberDowned>(e => e.Member.Address == _serverNode, e => Retire(e.Member));
        Receive<ClusterEvent.MemberRemoved>(e => e.Member.Address == _serverNode, e => Retire(e.Member));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.IReachabilityEvent>(_ => { });

        Receive<Opened>(opened =>
        {
            // The link is this actor's now: PostStop drops it.
            opened.DisposeOnStop.Dispose();
            _opening = false;
            _link = opened.Link;
            _backoff = _settings.ReconnectMinBackoff;
            _log.Info("Data plane: connected to {0}", _peer);
            _owner.Tell(new DataPlaneConnected(Self, _peer));
            var link = opened.Link;
            link.DeliverFramesAsync(FrameKind.Weights, _settings.MaxPayloadBytes, _owner, Self, _peer).PipeTo(Self,
                success: () => new Ended(link, "closed by the parameter server"),
                failure: e => new Ended(link, DataPlaneProtocolException.Describe(e)));
        });
        Receive<OpenFailed>(failed =>
        {
            _opening = false;
            _log.Warning("Data plane: cannot connect to {0}: {1}", _peer, failed.Reason);
            RetryLater();
        });
        Receive<Ended>(ended => ended.Link == _link, ended =>
        {
            Drop(ended.Reason);
            RetryLater();
        });
        Receive<Ended>(_ => { });
        Receive<Reconnect>(_ => Open());

        Receive<SendTensor>(send => _sends.Enqueue(send, Sender, _link, Self));
        Receive<FrameSendQueue.Written>(written => written.Link == _link, _ => _sends.OnWritten(_link!, Self));
        Receive<FrameSendQueue.WriteFailed>(failed => failed.Link == _link,
            failed =>
            {
                Drop(DataPlaneProtocolException.Describe(failed.Error));
                RetryLater();
            });
        Receive<FrameSendQueue.Written>(_ => { });
        Receive<FrameSendQueue.WriteFailed>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="serverNode">The Akka address of the parameter server's node: its membership decides reconnection.</param>
    /// <param name="nodeId">This worker's name in the server's logs.</param>
    public static Props Props(DataPlaneSettings settings, DataPlaneEndpoint server, Address serverNode, long incarnation, string nodeId, IActorRef owner) =>
        Akka.Actor.Props.Create(() => new DataPlaneConnection(settings, server, serverNode, incarnation, nodeId, owner));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        _stopping.Cancel();
        _stopping.Dispose();
        if (_link is not null) Drop("the connection actor stopped");
    }

    private void Open()
    {
        if (!_serverUp || !_serverReachable || _link is not null || _opening) return;
        _opening = true;
        OpenAsync(_stopping.Token).PipeTo(Self,
            success: opened => opened,
            failure: e => new OpenFailed(DataPlaneProtocolException.Describe(e)));
    }

    // Runs off the actor: touches only what never changes after construction.
    private async Task<Opened> OpenAsync(CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(_settings.HandshakeTimeout);
        var link = await FrameLink.ConnectAsync(_server.Host, _server.Port, _settings, deadline.Token).ConfigureAwait(false);
        try
        {
            await Handshake.ConnectAsync(link, _settings, _incarnation, _nodeId, stopping).ConfigureAwait(false);
            // Should the actor stop before it handles Opened, Opened is a dead letter: stopping disposes the link instead.
            var disposeOnStop = stopping.Register(link.Dispose);
            stopping.ThrowIfCancellationRequested();
            return new Opened(link, disposeOnStop);
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    private void Drop(string reason)
    {
        _link!.Dispose();
        _link = null;
        _log.Warning("Data plane: lost {0}: {1}", _peer, reason);
        _sends.FailAll($"connection lost: {reason}");
        _owner.Tell(new DataPlaneDisconnected(Self, _peer, reason));
    }

    private void RetryLater()
    {
        if (!_serverUp || !_serverReachable) return;
        Timers.StartSingleTimer(ReconnectTimer, Reconnect.Instance, _backoff);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _settings.ReconnectMaxBackoff.Ticks));
    }

    private void Retire(Member server)
    {
        _log.Info("Data plane: {0} left the cluster ({1}); its connection closes for good", server.Address, server.Status);
        Context.Stop(Self);
    }

    private sealed record Opened(FrameLink Link, CancellationTokenRegistration DisposeOnStop) : INoSerializationVerificationNeeded;

    private sealed record OpenFailed(string Reason) : INoSerializationVerificationNeeded;

    private sealed record Ended(FrameLink Link, string Reason) : INoSerializationVerificationNeeded;

    private sealed record Reconnect : INoSerializationVerificationNeeded
    {
        public static readonly Reconnect Instance = new();
    }
}
