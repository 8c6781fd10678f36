using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using DistributedSolver.Backend;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Messages;
using DistributedSolver.Cluster.Operations;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// A worker: holds a weight replica, registers with the coordinator (again after a hand-over),
/// keeps a data-plane connection to the parameter server, and computes what it is told on the
/// weights version it is told — units of an iteration, summed per tree node and sent as gradient
/// frames bucket by bucket as backward finishes them (<see cref="GradientBuckets"/>), or test batches
/// answered with their outputs. Weights arrive bucket by bucket too, and a version counts as held
/// once all of its buckets are in. An order for weights it does not hold yet waits for them; an
/// order for weights it has moved past is dropped. Runs on a thread of its own
/// (<see cref="HoconBuilder.ComputeDispatcher"/>), since a unit computes for a long time.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _workerId;
    private readonly Func<long, Replica> _build;
    private readonly NodeSettings _node;
    private readonly IActorRef _coordinatorProxy;
    private readonly List<(IClusterMessage Order, IActorRef Sender)> _orders = [];
    private readonly List<SendTensor> _outbox = [];
    // Gradients in the connection's pipe: kept until weights of a later version arrive (the
    // parameter server's real acknowledgement), and sent again if the connection is reopened first.
    private readonly List<SendTensor> _sent = [];
    private Replica _replica;
    // Gradient frames leave from here: page-locked on a GPU, so the download needs no staging copy.
    private readonly HostBufferPool _hostBuffers;
    private IActorRef? _connection;
    private bool _connected;
    private int _inFlight;
    private int _sendCapacity;
    private int _connections;
    private readonly NodeMonitor _monitor = NodeMonitor.Get(Context.System);
    private long _version = -1;
    private GradientBuckets _buckets;
    // The version whose weights are arriving, which of its buckets are in, and those buckets' values:
    // the held version stays whole until the next one is complete, since a re-sent or backup order
    // of the current iteration may still need it.
    private long _arriving = -1;
    private bool[] _arrived = [];
    private float[] _staging = [];
    private readonly TimeSplit _split = new();
    // When the last gradient of a step was handed to the data plane: the round trip ends with the next weights.
    private long? _sentAt;

    public WorkerActor(string workerId, Replica replica, Func<long, Replica> build, NodeSettings node, IActorRef coordinatorProxy)
    {
        _workerId = workerId;
        _replica = replica;
        _build = build;
        _node = node;
        _coordinatorProxy = coordinatorProxy;
        _buckets = GradientBuckets.Whole(replica.TrainNet.ParameterCount);
        _hostBuffers = new HostBufferPool(replica.Backend.LockPages);

        Receive<WorkerRegistered>(Connect);
        Receive<WorkerRefused>(refused =>
        {
            _log.Error("The coordinator refused worker {0}: {1}", refused.WorkerId, refused.Reason);
            CoordinatedShutdown.Get(Context.System).Run(new WorkerRefusedReason(refused.Reason));
        });
        Receive<TrainingFinished>(finished =>
        {
            _log.Info("Training finished ({0}): leaving the cluster", finished.Message);
            // The parameter server goes away too: no reconnecting to it while the node leaves.
            if (_connection is not null) Context.Stop(_connection);
            _connection = null;
            CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        });
        Receive<Step>(step => Order(step));
        Receive<Evaluate>(evaluate => Order(evaluate));
        Receive<TensorReceived>(OnWeights);
        Receive<DataPlaneConnected>(connected => connected.Connection.Equals(_connection), (DataPlaneConnected _) =>
        {
            _connected = true;
            // What went into the old socket may never have arrived; the server drops what it has.
            _outbox.InsertRange(0, _sent);
            _sent.Clear();
            SendNext();
        });
        Receive<DataPlaneDisconnected>(gone => gone.Connection.Equals(_connection), (DataPlaneDisconnected _) =>
        {
            _connected = false;
            // Weights go on changing without this worker until it reconnects.
            _monitor.LacksWeights("the data-plane connection to the parameter server is down");
        });
        // Acks of a connection replaced after a hand-over only give the buffer back.
        Receive<TensorSent>(_ => !Sender.Equals(_connection), (TensorSent old) => Return(old.Request));
        Receive<TensorNotSent>(_ => !Sender.Equals(_connection), (TensorNotSent old) => Return(old.Request));
        Receive<TensorSent>(sent =>
        {
            _inFlight--;
            _sent.Add(sent.Request);
            SendNext();
        });
        // Lost with its connection, or refused while it reconnects: sent again once connected, unless
        // the weights moved on meanwhile (then the parameter server has what it needed).
        Receive<TensorNotSent>(failed =>
        {
            _inFlight--;
            if (failed.Request.WeightsVersion < _version)
            {
                Return(failed.Request);
                return;
            }
            _log.Warning("Gradient of iteration {0}, units {1}+{2} not sent yet: {3}", failed.Request.Iteration, failed.Request.Unit, failed.Request.UnitCount, failed.Reason);
            _outbox.Insert(0, failed.Request);
            SendNext();
        });
    }

    public static Props Props(string workerId, Replica replica, Func<long, Replica> build, NodeSettings node, IActorRef coordinatorProxy) =>
        Akka.Actor.Props.Create(() => new WorkerActor(workerId, replica, build, node, coordinatorProxy)).WithDispatcher(HoconBuilder.ComputeDispatcher);

    protected override void PreStart() =>
        Context.ActorOf(WorkerRegistration.Props(_workerId, _replica.Layout, _coordinatorProxy, Self), "registration");

    protected override void PostStop()
    {
        ReturnAll();
        _hostBuffers.Dispose();
    }

    private void ReturnAll()
    {
        foreach (var request in _outbox.Concat(_sent)) Return(request);
        _outbox.Clear();
        _sent.Clear();
    }

    private void Connect(WorkerRegistered registered)
    {
        if (registered.RandomSeed != _replica.RandomSeed)
        {
            _log.Info("Rebuilding the nets with the run's random seed {0}", registered.RandomSeed);
            var rebuilt = _build(registered.RandomSeed);
            if (!ReferenceEquals(rebuilt.Backend, _replica.Backend))
            {
                // The host buffers are locked for the first replica's device: a programming error.
                const string reason = "the worker's rebuilt nets compute on another backend than its first ones";
                _log.Error(reason);
                CoordinatedShutdown.Get(Context.System).Run(new WorkerRefusedReason(reason));
                return;
            }
            _replica = rebuilt;
        }
        try
        {
            _buckets = GradientBuckets.FromOffsets(_replica.TrainNet, registered.BucketOffsets ?? []);
        }
        catch (ArgumentException e)
        {
            _log.Error("The coordinator's gradient buckets do not fit this worker's net: {0}", e.Message);
            CoordinatedShutdown.Get(Context.System).Run(new WorkerRefusedReason(e.Message));
            return;
        }
        if (_connection is not null) Context.Stop(_connection);
        ReturnAll();
        _orders.Clear();
        _connected = false;
        _inFlight = 0;
        _version = -1;
        _arriving = -1;
        _monitor.LacksWeights($"waiting for the weights of coordinator incarnation {registered.Incarnation}");
        var settings = DataPlaneSettings.From(_node, _replica.TrainNet.ParameterCount) with { Monitor = _monitor };
        _sendCapacity = settings.SendQueueCapacity;
        var server = new DataPlaneEndpoint(registered.DataPlaneHost, registered.DataPlanePort);
        _connection = Context.ActorOf(DataPlaneConnection.Props(settings, server, Sender.Path.Address, registered.Incarnation, _workerId, Self),
            $"data-plane-{++_connections}");
    }

    private void Order(IClusterMessage order)
    {
        _orders.Add((order, Sender));
        RunOrders();
    }

    private void OnWeights(TensorReceived received)
    {
        using var payload = received.Payload;
        // Frames of a connection replaced after a hand-over belong to the old run's numbering.
        if (!received.Connection.Equals(_connection)) return;
        var h = received.Header;
        int bucket = _buckets.IndexOf(h.Offset);
        int expected = bucket < 0 ? 0 : _buckets.Ranges[bucket].Count * sizeof(float);
        if (h.Kind != FrameKind.Weights || bucket < 0 || payload.Memory.Length != expected)
        {
            _log.Error("Dropped a {0} frame of {1} bytes at parameter offset {2} from {3}: weights of a bucket ({4}) expected",
                h.Kind, payload.Memory.Length, h.Offset, received.Peer, string.Join(", ", _buckets.Ranges));
            return;
        }
        if (h.WeightsVersion <= _version || h.WeightsVersion < _arriving) return;
        if (h.WeightsVersion > _arriving)
        {
            _arriving = h.WeightsVersion;
            if (_arrived.Length != _buckets.Ranges.Count) _arrived = new bool[_buckets.Ranges.Count];
            Array.Clear(_arrived);
        }
        if (_arrived[bucket]) return;
        _arrived[bucket] = true;
        var values = MemoryMarshal.Cast<byte, float>(payload.Memory.Span);
        var parameters = _replica.TrainNet.ParameterData;
        if (_arrived.Any(a => !a))
        {
            if (_staging.Length != parameters.Length) _staging = new float[parameters.Length];
            values.CopyTo(_staging.AsSpan(_buckets.Ranges[bucket].Offset));
            return;
        }
        // The last bucket goes in straight from its frame, the others from where they waited.
        for (int b = 0; b < _buckets.Ranges.Count; b++)
        {
            var range = _buckets.Ranges[b];
            var source = b == bucket ? values : _staging.AsSpan(range.Offset, range.Count);
            _replica.Backend.Upload(source, parameters.Slice(range.Offset, range.Count));
        }
        _version = _arriving;
        _monitor.HoldsWeights(_version);
        if (_sentAt is { } sent) _split.Add("round trip (last gradient out, last weights in)", sent);
        _sentAt = null;
        // Gradients computed on older weights are of no use to the parameter server any more.
        foreach (var list in new[] { _outbox, _sent })
            foreach (var stale in list.Where(r => r.WeightsVersion < _version).ToList())
            {
                list.Remove(stale);
                Return(stale);
            }
        RunOrders();
    }

    private void RunOrders()
    {
        foreach (var (order, sender) in _orders.ToList())
        {
            long version = order switch { Step s => s.Version, Evaluate e => e.Version, _ => throw new InvalidOperationException() };
            if (version > _version) continue;
            _orders.Remove((order, sender));
            if (version < _version)
            {
                _log.Debug("Dropped {0}: this worker holds weights {1} already", order, _version);
                continue;
            }
            if (order is Step step) Compute(step);
            else Evaluate((Evaluate)order, sender);
        }
    }

    private void Compute(Step step)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var units = _replica.Units;
        var net = units.Net;
        foreach (var block in UnitTree.Decompose(units.UnitsPerIteration, step.From, step.To))
        {
            var losses = new float[block.Count];
            // Buckets after the first leave as backward finishes them; the first carries the losses.
            var sum = units.Run(step.Iteration, block, losses, _buckets, (bucket, partial) => Enqueue(step, block, bucket, partial, []));
            float[] outputs = step.Display && block.End == units.UnitsPerIteration
                ? [.. Trainer.ReadOutputs(net).Select(o => o.Value)]
                : [];
            Enqueue(step, block, 0, sum, [.. losses, .. outputs]);
        }
        _split.Add("compute", start);
        _sentAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (step.Display) _log.Info("Worker {0} at iteration {1}: {2}", _workerId, step.Iteration, _split.Report());
    }

    private void Enqueue(Step step, UnitBlock block, int bucket, BufferView sum, float[] extra)
    {
        var range = _buckets.Ranges[bucket];
        int length = (range.Count + extra.Length) * sizeof(float);
        var bytes = _hostBuffers.Rent(length);
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length));
        _replica.Backend.Download(sum.Slice(range.Offset, range.Count), values[..range.Count]);
        extra.CopyTo(values[range.Count..]);
        _outbox.Add(new SendTensor(FrameKind.Gradient, step.Iteration, block.Start, block.Count, step.Version, bytes.AsMemory(0, length), range.Offset));
        SendNext();
    }

    private void Evaluate(Evaluate order, IActorRef sender)
    {
        var net = order.Net == Messages.Evaluate.TrainNet ? _replica.TrainNet
            : order.Net >= 0 && order.Net < _replica.TestNets.Count ? _replica.TestNets[order.Net]
            : null;
        if (net is null)
        {
            _log.Error("Dropped {0}: this worker has {1} test nets", order, _replica.TestNets.Count);
            return;
        }
        var losses = new float[order.Count];
        var outputs = new List<float>();
        for (int i = 0; i < order.Count; i++)
        {
            var (loss, values) = Trainer.ForwardBatch(net, order.Position + (long)(order.FirstBatch + i) * net.BatchSize);
            losses[i] = loss;
            outputs.AddRange(values.Select(v => v.Value));
        }
        sender.Tell(new Evaluated(order.Net, order.Version, order.FirstBatch, losses, [.. outputs]));
    }

    private void SendNext()
    {
        // No more than the connection's send queue holds: more would be refused.
        while (_connected && _inFlight < _sendCapacity && _outbox.Count > 0)
        {
            var request = _outbox[0];
            _outbox.RemoveAt(0);
            _inFlight++;
            _connection!.Tell(request);
        }
    }

    private void Return(SendTensor request)
    {
        // An ack can outlive the actor instance that sent the frame (a restart builds a new pool):
        // the old pool's array is then garbage, not this pool's business.
        if (MemoryMarshal.TryGetArray(request.Payload, out var segment) && _hostBuffers.Owns(segment.Array!))
            _hostBuffers.Return(segment.Array!);
    }
}
