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
internal sealed class DataPlaneListener : ReceiveActor
{
    private readonly DataPlaneSettings _settings;
    private readonly long _incarnation;
    private readonly IActorRef _owner;
    private readonly TcpListener _listener;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private int _connections;

    public DataPlaneListener(DataPlaneSettings settings, long incarnation, IActorRef owner)
    {
        _settings = settings;
        _incarnation = incarnation;
        _owner = owner;
        _listener = new TcpListener(settings.BindAddress(), settings.Port);

        Receive<Accepted>(accepted =>
        {
            if (_connections >= _settings.MaxConnections)
            {
                _log.Warning("Data plane: refused {0}: {1} connections open already", accepted.Socket.RemoteEndPoint, _connections);
                accepted.Socket.Dispose();
            }
            else
            {
                Context.Watch(Context.ActorOf(InboundConnection.Props(accepted.Socket, _settings, _incarnation, _owner)));
                _connections++;
            }
            AcceptNext();
        });
        Receive<Terminated>(_ => _connections--);
        Receive<AcceptFailed>(failed =>
        {
            _log.Error(failed.Error, "Data plane: the listening socket failed; the listener stops");
            Context.Stop(Self);
        });
        Receive<GetDataPlaneEndpoint>(_ =>
            Sender.Tell(new DataPlaneEndpoint(_settings.AdvertisedHost, ((IPEndPoint)_listener.LocalEndpoint).Port)));
    }

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

    private sealed record Accepted(Socket Socket);

    private sealed record AcceptFailed(Exception Error);
}
