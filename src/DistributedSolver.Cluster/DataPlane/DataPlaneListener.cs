using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// The parameter server's data-plane port. Accepts sockets one at a time (each accept is a task
/// piped back here) and gives each its own <see cref="InboundConnection"/> child, which a broken
/// peer can only ever stop. Tensor frames go to the owner; <see cref="GetDataPlaneEndpoint"/> tells
/// where to connect.
/// </summary>
internal sealed class DataPlaneListener : ReceiveActor, IWithTimers
{
    private const string AcceptTimer = "accept";
    private const string RefusalsTimer = "refusals";
    // A failed accept (out of descriptors, a connection reset while queued) usually passes; waiting keeps the retries from spinning.
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RefusalsReportPeriod = TimeSpan.FromSeconds(10);

    private readonly DataPlaneSettings _settings;
    private readonly long _incarnation;
    private readonly IActorRef _owner;
    private readonly TcpListener _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Children still in the handshake, oldest first.
    private readonly List<IActorRef> _handshaking = [];
    private int _connections;
    private int _refusedQuietly;

    public DataPlaneListener(DataPlaneSettings settings, long incarnation, IActorRef owner)
    {
        _settings = settings;
        _incarnation = incarnation;
        _owner = owner;
        _listener = new TcpListener(settings.BindAddress(), settings.Port);

        Receive<Accepted>(accepted =>
        {
            if (_connections >= _settings.MaxConnections) Refuse(accepted.Socket);
            else Serve(accepted.Socket);
            AcceptNext();
        });
        Receive<Authenticated>(_ => _handshaking.Remove(Sender));
        Receive<Terminated>(terminated =>
        {
            _handshaking.Remove(terminated.ActorRef);
            _connections--;
        });
        Receive<AcceptFailed>(failed => failed.Error is ObjectDisposedException, _ => Context.Stop(Self));
        Receive<AcceptFailed>(failed =>
        {
            _log.Warning("Data plane: accepting a socket failed ({0}); accepting again in {1} ms", failed.Error.Message, AcceptRetryDelay.TotalMilliseconds);
            Timers.StartSingleTimer(AcceptTimer, AcceptAgain.Instance, AcceptRetryDelay);
        });
        Receive<AcceptAgain>(_ => AcceptNext());
        Receive<ReportRefusals>(_ =>
        {
            if (_refusedQuietly == 0) return;
            _log.Warning("Data plane: refused {0} more sockets in the last {1} s: {2} connections open", _refusedQuietly, RefusalsReportPeriod.TotalSeconds, _connections);
            _refusedQuietly = 0;
            Timers.StartSingleTimer(RefusalsTimer, ReportRefusals.Instance, RefusalsReportPeriod);
        });
        Receive<GetDataPlaneEndpoint>(_ =>
            Sender.Tell(new DataPlaneEndpoint(_settings.AdvertisedHost, ((IPEndPoint)_listener.LocalEndpoint).Port)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DataPlaneSettings settings, long incarnation, IActorRef owner) =>
        Akka.Actor.Props.Create(() => new DataPlaneListener(settings, incarnation, owner));

    // A connection that throws has lost its socket's state: stop it rather than restart it on a closed socket.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        _listener.Start();
        _log.Info("Data plane: listening on {0} (incarnation {1})", _listener.LocalEndpoint, _incarnation);
        AcceptNext();
    }

    protected override void PostStop() => _listener.Stop();

    private void AcceptNext() =>
        _listener.AcceptSocketAsync().PipeTo(Self, success: socket => new Accepted(socket), failure: e => new AcceptFailed(e));

    private void Serve(Socket socket)
    {
        // Unauthenticated sockets get a few slots of their own, and a newcomer takes the oldest one's:
        // silent sockets are the oldest, a worker's handshake takes milliseconds, so a stranger
        // holding sockets open cannot lock the workers out.
        if (_handshaking.Count >= _settings.MaxHandshakes)
        {
            _handshaking[0].Tell(InboundConnection.Evict.Instance);
            _handshaking.RemoveAt(0);
        }
        var connection = Context.Watch(Context.ActorOf(InboundConnection.Props(socket, _settings, _incarnation, _owner)));
        _handshaking.Add(connection);
        _connections++;
    }

    // One warning per period at most: a flood of refusals would otherwise flood the log too.
    private void Refuse(Socket socket)
    {
        if (Timers.IsTimerActive(RefusalsTimer)) _refusedQuietly++;
        else
        {
            _log.Warning("Data plane: refused {0}: {1} connections open already", socket.RemoteEndPoint, _connections);
            Timers.StartSingleTimer(RefusalsTimer, ReportRefusals.Instance, RefusalsReportPeriod);
        }
        socket.Dispose();
    }

    /// <summary>From a child: its peer passed the handshake, so it no longer takes an unauthenticated slot.</summary>
    internal sealed record Authenticated : INoSerializationVerificationNeeded
    {
        public static readonly Authenticated Instance = new();
    }

    private sealed record Accepted(Socket Socket) : INoSerializationVerificationNeeded;

    private sealed record AcceptFailed(Exception Error) : INoSerializationVerificationNeeded;

    private sealed record AcceptAgain : INoSerializationVerificationNeeded
    {
        public static readonly AcceptAgain Instance = new();
    }

    private sealed record ReportRefusals : INoSerializationVerificationNeeded
    {
        public static readonly ReportRefusals Instance = new();
    }
}
