using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// One accepted socket on the parameter server's side: runs the server handshake, then delivers
/// every gradient frame to the owner as <see cref="TensorReceived"/> and writes the weights the
/// owner sends back. Whatever ends the socket (peer gone, protocol error, handshake failure or
/// timeout) is logged with its reason and stops this actor, never the node.
/// </summary>
internal sealed class InboundConnection : ReceiveActor
{
    private readonly FrameLink _link;
    private readonly DataPlaneSettings _settings;
    private readonly long _incarnation;
    private readonly IActorRef _owner;
    private readonly FrameSendQueue _sends;
    private readonly CancellationTokenSource _abandonHandshake = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private string? _peer;
    private string _endReason = "stopped";

    public InboundConnection(Socket socket, DataPlaneSettings settings, long incarnation, IActorRef owner)
    {
        _link = FrameLink.Over(socket, settings);
        _settings = settings;
        _incarnation = incarnation;
        _owner = owner;
        _sends = new FrameSendQueue(FrameKind.Weights, settings.SendQueueCapacity);

        Receive<Authenticated>(a =>
        {
            _peer = a.Peer;
            _log.Info("Data plane: {0} authenticated", a.Peer);
            Context.Parent.Tell(DataPlaneListener.Authenticated.Instance);
        });
        // Cancels the handshake rather than stopping: one that has just succeeded goes on, since its
        // owner may already know the connection.
        Receive<Evict>(_ =>
        {
            if (_peer is null) _abandonHandshake.Cancel();
        });
        Receive<SendTensor>(send => _sends.Enqueue(send, Sender, _peer is null ? null : _link, Self));
        Receive<FrameSendQueue.Written>(_ => _sends.OnWritten(_link, Self));
        Receive<FrameSendQueue.WriteFailed>(failed =>
        {
            _endReason = DataPlaneProtocolException.Describe(failed.Error);
            Context.Stop(Self);
        });
        Receive<Ended>(ended =>
        {
            _endReason = _peer is null && _abandonHandshake.IsCancellationRequested
                ? $"evicted, the oldest of more than {_settings.MaxHandshakes} sockets in the handshake"
                : ended.Reason;
            Context.Stop(Self);
        });
    }

    public static Props Props(Socket socket, DataPlaneSettings settings, long incarnation, IActorRef owner) =>
        Akka.Actor.Props.Create(() => new InboundConnection(socket, settings, incarnation, owner));

    protected override void PreStart() =>
        RunAsync(Self).PipeTo(Self,
            success: () => new Ended("closed by the peer"),
            failure: e => new Ended(DataPlaneProtocolException.Describe(e)));

    protected override void PostStop()
    {
        _abandonHandshake.Cancel();
        _abandonHandshake.Dispose();
        _link.Dispose();
        _sends.FailAll($"connection closed: {_endReason}");
        if (_peer is null)
        {
            _log.Warning("Data plane: closed {0} before authentication: {1}", _link.Peer, _endReason);
            return;
        }
        _log.Info("Data plane: closed {0}: {1}", _peer, _endReason);
        _owner.Tell(new DataPlaneDisconnected(Self, _peer, _endReason));
    }

    // Runs off the actor: touches only what never changes after construction.
    private async Task RunAsync(IActorRef self)
    {
        string nodeId = await Handshake.AcceptAsync(_link, _settings, _incarnation, _abandonHandshake.Token).ConfigureAwait(false);
        string peer = $"{nodeId}@{_link.Peer}";
        self.Tell(new Authenticated(peer));
        _owner.Tell(new DataPlaneConnected(self, peer), self);
        await _link.DeliverFramesAsync(FrameKind.Gradient, _settings.MaxPayloadBytes, _owner, self, peer).ConfigureAwait(false);
    }

    /// <summary>From the listener: a newer socket needs this one's handshake slot.</summary>
    internal sealed record Evict : INoSerializationVerificationNeeded
    {
        public static readonly Evict Instance = new();
    }

    private sealed record Authenticated(string Peer) : INoSerializationVerificationNeeded;

    private sealed record Ended(string Reason) : INoSerializationVerificationNeeded;
}
