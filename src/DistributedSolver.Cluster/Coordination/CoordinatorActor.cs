using Akka.Actor;
using Akka.Event;
using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Cluster.Coordination;

/// <summary>
/// The coordinator singleton's control-plane core: the roster of registered workers, kept with
/// death watch, and the cluster's incarnation — new every time the singleton starts, so a worker
/// (and the data-plane handshake) can tell a hand-over happened. The distributed trainer grows
/// iterations, units and snapshots on top of this.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<IActorRef, string> _workers = [];

    public CoordinatorActor(long? fixedIncarnation, string dataPlaneHost, int dataPlanePort)
    {
        // A new incarnation whenever the singleton (re)starts, unless a test pins one.
        long incarnation = fixedIncarnation ?? Random.Shared.NextInt64(1, long.MaxValue);
        Receive<RegisterWorker>(r =>
        {
            if (_workers.TryAdd(Sender, r.WorkerId))
            {
                Context.Watch(Sender);
                _log.Info("worker {0} registered ({1} live, incarnation {2})", r.WorkerId, _workers.Count, incarnation);
            }
            Sender.Tell(new WorkerRegistered(r.WorkerId, incarnation, dataPlaneHost, dataPlanePort));
        });
        Receive<Ping>(p => Sender.Tell(new Pong(p.Sequence)));
        Receive<Terminated>(t =>
        {
            if (_workers.Remove(t.ActorRef, out var id))
                _log.Info("worker {0} is gone ({1} live)", id, _workers.Count);
        });
    }

    public static Props Props(string dataPlaneHost, int dataPlanePort, long? fixedIncarnation = null) =>
        Akka.Actor.Props.Create(() => new CoordinatorActor(fixedIncarnation, dataPlaneHost, dataPlanePort));
}
