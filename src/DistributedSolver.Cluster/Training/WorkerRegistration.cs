using Akka.Actor;
using Akka.Event;
using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// Keeps a worker registered with the coordinator singleton: registers through the proxy until
/// answered, watches the coordinator that answered, and registers again after a hand-over.
/// Forwards each <see cref="WorkerRegistered"/> and every order of the coordinator to <c>owner</c>.
/// </summary>
public sealed class WorkerRegistration : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private const string RetryTimer = "register";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _workerId;
    private readonly IActorRef _proxy;
    private readonly IActorRef _owner;
    private IActorRef? _coordinator;
    private long? _incarnation;

    public WorkerRegistration(string workerId, string netLayout, IActorRef coordinatorProxy, IActorRef owner)
    {
        _workerId = workerId;
        _proxy = coordinatorProxy;
        _owner = owner;
        Receive<Register>(_ => _proxy.Tell(new RegisterWorker(_workerId, netLayout)));
        Receive<WorkerRegistered>(r =>
        {
            Timers.Cancel(RetryTimer);
            // Retries the proxy buffered during a hand-over are answered too: pass on only news.
            if (Equals(Sender, _coordinator) && r.Incarnation == _incarnation) return;
            if (_coordinator is not null) Context.Unwatch(_coordinator);
            _coordinator = Sender;
            _incarnation = r.Incarnation;
            Context.Watch(_coordinator);
            _log.Info("registered with the coordinator at {0} (incarnation {1})", Sender.Path.Address, r.Incarnation);
            _owner.Forward(r);
        });
        Receive<WorkerRefused>(refused =>
        {
            Timers.Cancel(RetryTimer);
            _owner.Forward(refused);
        });
        // The coordinator knows this actor as the worker: its orders go on to the owner, sender kept.
        Receive<IClusterMessage>(order => _owner.Forward(order));
        Receive<Terminated>(t =>
        {
            if (!Equals(t.ActorRef, _coordinator)) return;
            _log.Info("the coordinator at {0} is gone: registering with its successor", t.ActorRef.Path.Address);
            _coordinator = null;
            _incarnation = null;
            StartRegistering();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => StartRegistering();

    private void StartRegistering()
    {
        Self.Tell(Register.Instance);
        Timers.StartPeriodicTimer(RetryTimer, Register.Instance, RetryInterval);
    }

    /// <param name="netLayout">The worker's <see cref="DistributedSolver.Training.Replica.Layout"/>, which the coordinator checks.</param>
    public static Props Props(string workerId, string netLayout, IActorRef coordinatorProxy, IActorRef owner) =>
        Akka.Actor.Props.Create(() => new WorkerRegistration(workerId, netLayout, coordinatorProxy, owner));

    // A local timer tick: never crosses the wire, so it is exempt from serialize-messages checks.
    private sealed class Register : INoSerializationVerificationNeeded
    {
        public static readonly Register Instance = new();
    }
}
