using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using DistributedSolver.Backend;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Operations;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// The parameter server, a child of the coordinator singleton: owns the master weights and the
/// solver (a <see cref="Trainer"/>), listens on the data plane, completes each iteration's unit
/// tree from the workers' partial sums, applies the same update as <c>dsolver train</c> and sends
/// every worker the new weights. Gradients and weights travel in buckets
/// (<see cref="GradientBuckets"/>): a bucket is summed, updated and sent back as soon as every
/// unit's gradient of it is in, while the workers still compute the earlier layers. A gradient
/// frame is accepted only for the current version, a bucket, a node of the unit tree not yet
/// covered in that bucket, and the exact length; anything else is counted, logged and dropped,
/// never applied.
/// </summary>
internal sealed class ParameterServerActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Trainer _trainer;
    private readonly IComputeBackend _backend;
    private readonly DataPlaneSettings _settings;
    private readonly long _incarnation;
    private readonly GradientBuckets _buckets;
    private readonly int _units;
    private readonly int _parameters;
    private readonly int _outputs;
    // This iteration's partial sums by node, and which buckets of each node are in.
    private readonly Dictionary<UnitBlock, BufferView> _sums = [];
    private readonly Dictionary<UnitBlock, bool[]> _bucketsIn = [];
    private readonly List<bool[]> _freeFlags = [];
    private readonly int[] _unitsCovered;
    private readonly List<BufferView> _freeSums = [];
    private readonly float[] _unitLosses;
    private readonly float[] _displayOutputs;
    // Each connection's weights frames not yet acknowledged: handed to it no more than its send queue
    // holds (more would be refused and lost), released when acknowledged or when the connection
    // goes, so a dead connection cannot hold a frame forever.
    private readonly Dictionary<IActorRef, Outbound> _connections = [];
    private readonly List<WeightsFrame> _frames = [];
    // Weights frames leave from here: page-locked on a GPU, so the download needs no staging copy.
    private readonly HostBufferPool _hostBuffers;
    // Gradients dropped so far, by reason, logged on display iterations (the metrics endpoint will publish them).
    private readonly NodeMonitor _monitor = NodeMonitor.Get(Context.System);
    private readonly Dictionary<string, int> _dropped = [];
    private IActorRef _listener = ActorRefs.Nobody;
    private readonly TimeSplit _split = new();
    private long _firstFrameAt;
    private double _updateSeconds;
    private int _bucketsApplied;
    private long _version;

    public ParameterServerActor(Trainer trainer, IComputeBackend backend, DataPlaneSettings settings, long incarnation, GradientBuckets buckets)
    {
        _trainer = trainer;
        _backend = backend;
        _hostBuffers = new HostBufferPool(backend.LockPages);
        _settings = settings;
        _incarnation = incarnation;
        _buckets = buckets;
        _units = trainer.Solver.Parameter.IterSize;
        _parameters = trainer.TrainNet.ParameterCount;
        if (buckets.ParameterCount != _parameters) throw new ArgumentException($"buckets of {buckets.ParameterCount} parameters for a net of {_parameters}", nameof(buckets));
        _outputs = trainer.TrainNet.Outputs.Sum(o => o.Blob.Count);
        _unitsCovered = new int[buckets.Ranges.Count];
        _unitLosses = new float[_units];
        _displayOutputs = new float[_outputs];
        _version = trainer.Iteration;

        Receive<DataPlaneEndpoint>(endpoint => Context.Parent.Tell(new Ready(endpoint)));
        Receive<DataPlaneConnected>(connected =>
        {
            _connections[connected.Connection] = new Outbound();
            Context.Watch(connected.Connection);
            // The current weights, and the buckets of the next version already updated.
            foreach (var frame in _frames.Where(f => f.Version >= _version).OrderBy(f => f.Version).ToList()) Send(frame, connected.Connection);
        });
        Receive<DataPlaneDisconnected>(gone => Drop(gone.Connection));
        Receive<Terminated>(t => t.ActorRef.Equals(_listener), (Terminated _) =>
        {
            _log.Error("Parameter server: the data-plane listener on port {0} stopped", _settings.Port);
            Context.Stop(Self);
        });
        Receive<Terminated>(t => Drop(t.ActorRef));
        Receive<TensorReceived>(OnGradient);
        Receive<TensorSent>(sent => Release(Sender, sent.Request.WeightsVersion, sent.Request.Offset));
        Receive<TensorNotSent>(failed =>
        {
            _log.Warning("Parameter server: weights {0} ({1}) not sent: {2}", failed.Request.WeightsVersion, failed.Request.Offset, failed.Reason);
            Release(Sender, failed.Request.WeightsVersion, failed.Request.Offset);
        });
        Receive<WriteSnapshot>(w =>
        {
            // Mid-iteration (a failing run), some buckets are a version ahead of the others: such a
            // state resumed would apply their update twice, so the last boundary snapshot stays the newest.
            if (_bucketsApplied > 0)
            {
                _log.Warning("Parameter server: no snapshot at iteration {0}: {1} of {2} buckets are updated already", _version, _bucketsApplied, _buckets.Ranges.Count);
                Sender.Tell(new SnapshotWritten(null));
                return;
            }
            Sender.Tell(new SnapshotWritten(_trainer.WriteSnapshot((int)_version, w.TestPositions)));
        });
    }

    public static Props Props(Trainer trainer, IComputeBackend backend, DataPlaneSettings settings, long incarnation, GradientBuckets buckets) =>
        Akka.Actor.Props.Create(() => new ParameterServerActor(trainer, backend, settings, incarnation, buckets)).WithDispatcher(Hosting.HoconBuilder.ComputeDispatcher);

    // A listener that cannot bind (the port is taken) stops, and so does this actor: the coordinator ends the run.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        for (int b = _buckets.Ranges.Count - 1; b >= 0; b--) PublishWeights(b, _version);
        _listener = Context.Watch(Context.ActorOf(DataPlaneListener.Props(_settings, _incarnation, Self), "data-plane"));
        _listener.Tell(GetDataPlaneEndpoint.Instance);
    }

    protected override void PostStop()
    {
        _frames.Clear();
        _hostBuffers.Dispose();
    }

    private bool Display(long iteration)
    {
        int display = _trainer.Solver.Parameter.Display;
        return display > 0 && iteration % display == 0;
    }

    private void OnGradient(TensorReceived received)
    {
        using var payload = received.Payload;
        var h = received.Header;
        var block = new UnitBlock(h.Unit, h.UnitCount);
        int bucket = _buckets.IndexOf(h.Offset);
        string? refusal = h.Kind != FrameKind.Gradient ? $"a {h.Kind} frame"
            : h.WeightsVersion < _version || h.Iteration < _version ? "stale"
            : h.WeightsVersion != _version || h.Iteration != _version ? "from the future"
            : bucket < 0 ? "not a gradient bucket"
            : !UnitTree.IsNode(_units, block) ? "not a node of the unit tree"
            // Another node over the same units, or this node's bucket again.
            : _bucketsIn.Any(r => r.Key.Start < block.End && block.Start < r.Key.End && (r.Key != block || r.Value[bucket])) ? "duplicate"
            : null;
        int extra = bucket == 0 ? block.Count + (Display(_version) && block.End == _units ? _outputs : 0) : 0;
        int expected = bucket < 0 ? 0 : (_buckets.Ranges[bucket].Count + extra) * sizeof(float);
        if (refusal is null && payload.Memory.Length != expected) refusal = "wrong length";
        if (refusal is not null)
        {
            _dropped[refusal] = _dropped.GetValueOrDefault(refusal) + 1;
            _monitor.GradientsDropped.WithLabels(refusal).Inc();
            string message = $"Parameter server: dropped a gradient from {received.Peer} ({refusal}): iteration {h.Iteration}, version {h.WeightsVersion}, "
                + $"{block}, offset {h.Offset}, {payload.Memory.Length} bytes (expected iteration and version {_version}, "
                + (bucket < 0 ? $"a bucket at offset {string.Join(", ", _buckets.Offsets)})" : $"{expected} bytes)");
            // Duplicates are expected (a backup copy, a re-sent unit that finished after all); the rest are faults.
            if (refusal == "duplicate") _log.Debug(message);
            else _log.Warning(message);
            return;
        }
        if (_sums.Count == 0) _firstFrameAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!_sums.TryGetValue(block, out var sum))
        {
            sum = _freeSums.Count > 0 ? _freeSums[^1] : _backend.Allocate(_parameters).View;
            if (_freeSums.Count > 0) _freeSums.RemoveAt(_freeSums.Count - 1);
            _sums.Add(block, sum);
            var flags = _freeFlags.Count > 0 ? _freeFlags[^1] : new bool[_buckets.Ranges.Count];
            if (_freeFlags.Count > 0) _freeFlags.RemoveAt(_freeFlags.Count - 1);
            _bucketsIn.Add(block, flags);
        }
        var range = _buckets.Ranges[bucket];
        var values = MemoryMarshal.Cast<byte, float>(payload.Memory.Span);
        _backend.Upload(values[..range.Count], sum.Slice(range.Offset, range.Count));
        if (bucket == 0)
        {
            values.Slice(range.Count, block.Count).CopyTo(_unitLosses.AsSpan(block.Start));
            if (values.Length > range.Count + block.Count) values[(range.Count + block.Count)..].CopyTo(_displayOutputs);
        }
        var arrived = _bucketsIn[block];
        arrived[bucket] = true;
        if (arrived.All(a => a)) Context.Parent.Tell(new BlockReceived((int)_version, block));
        _unitsCovered[bucket] += block.Count;
        if (_unitsCovered[bucket] == _units) Apply(bucket);
    }

    // Sums and updates one bucket, and sends its new weights; the iteration is applied with its last bucket.
    private void Apply(int bucket)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int iteration = (int)_version;
        var range = _buckets.Ranges[bucket];
        float rate = _trainer.Solver.ApplyUpdate(iteration, UnitTree.Combine(_backend, _units, _sums, range), range);
        PublishWeights(bucket, _version + 1);
        _updateSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (++_bucketsApplied < _buckets.Ranges.Count) return;

        _split.Add("first gradient in to last bucket out", _firstFrameAt);
        _split.AddSeconds("tree sums, updates and weights out", _updateSeconds);
        _updateSeconds = 0;
        _freeSums.AddRange(_sums.Values);
        _sums.Clear();
        foreach (var flags in _bucketsIn.Values)
        {
            Array.Clear(flags);
            _freeFlags.Add(flags);
        }
        _bucketsIn.Clear();
        Array.Clear(_unitsCovered);
        _bucketsApplied = 0;
        _version++;
        foreach (var old in _frames.Where(f => f.Version < _version && f.Pending == 0).ToList()) Retire(old);
        if (Display(iteration))
        {
            string dropped = _dropped.Count == 0 ? "" : "; gradients dropped so far: " + string.Join(", ", _dropped.Select(d => $"{d.Key} {d.Value}"));
            _log.Info("Parameter server at iteration {0}: {1}{2}", iteration, _split.Report(), dropped);
        }
        Context.Parent.Tell(new IterationApplied(iteration, rate, [.. _unitLosses], Display(iteration) ? [.. _displayOutputs] : []));
    }

    // A bucket of the weights of <version>, sent to every connected worker; a frame's bytes go back
    // to the pool once superseded and acknowledged by every connection.
    private void PublishWeights(int bucket, long version)
    {
        var range = _buckets.Ranges[bucket];
        int length = range.Count * sizeof(float);
        var bytes = _hostBuffers.Rent(length);
        _backend.Download(_trainer.TrainNet.ParameterData.Slice(range.Offset, range.Count), MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length)));
        var frame = new WeightsFrame(bytes, length, version, range.Offset);
        _frames.Add(frame);
        foreach (var connection in _connections.Keys) Send(frame, connection);
    }

    private void Send(WeightsFrame frame, IActorRef connection)
    {
        frame.Pending++;
        _connections[connection].Waiting.Enqueue(frame);
        Pump(connection);
    }

    private void Pump(IActorRef connection)
    {
        var outbound = _connections[connection];
        while (outbound.Handed.Count < _settings.SendQueueCapacity && outbound.Waiting.TryDequeue(out var frame))
        {
            outbound.Handed.Add(frame);
            connection.Tell(new SendTensor(FrameKind.Weights, (int)frame.Version, 0, 0, frame.Version, frame.Bytes.AsMemory(0, frame.Length), frame.Offset));
        }
    }

    private void Release(IActorRef connection, long version, int offset)
    {
        if (!_connections.TryGetValue(connection, out var outbound)) return;
        int index = outbound.Handed.FindIndex(f => f.Version == version && f.Offset == offset);
        if (index < 0) return;
        var frame = outbound.Handed[index];
        outbound.Handed.RemoveAt(index);
        Unpend(frame);
        Pump(connection);
    }

    private void Drop(IActorRef connection)
    {
        if (!_connections.Remove(connection, out var outbound)) return;
        foreach (var frame in outbound.Handed.Concat(outbound.Waiting)) Unpend(frame);
    }

    private void Unpend(WeightsFrame frame)
    {
        frame.Pending--;
        if (frame.Pending == 0 && frame.Version < _version) Retire(frame);
    }

    private void Retire(WeightsFrame frame)
    {
        _frames.Remove(frame);
        _hostBuffers.Return(frame.Bytes);
    }

    private sealed class Outbound
    {
        public List<WeightsFrame> Handed { get; } = [];
        public Queue<WeightsFrame> Waiting { get; } = new();
    }

    private sealed class WeightsFrame(byte[] bytes, int length, long version, int offset)
    {
        public byte[] Bytes => bytes;
        public int Length => length;
        public long Version => version;
        public int Offset => offset;
        public int Pending { get; set; }
    }

    /// <summary>To the coordinator: the data plane listens here.</summary>
    public sealed record Ready(DataPlaneEndpoint Endpoint) : INoSerializationVerificationNeeded;

    /// <summary>To the coordinator: <see cref="Block"/> of <see cref="Iteration"/> arrived, so no one else need compute it.</summary>
    public sealed record BlockReceived(int Iteration, UnitBlock Block) : INoSerializationVerificationNeeded;

    /// <summary>To the coordinator: the update of <see cref="Iteration"/> is applied and the new weights are on their way.</summary>
    public sealed record IterationApplied(int Iteration, float Rate, float[] UnitLosses, float[] Outputs) : INoSerializationVerificationNeeded;

    /// <summary>From the coordinator: snapshot the current weights and solver state with its test positions.</summary>
    public sealed record WriteSnapshot(IReadOnlyList<long> TestPositions) : INoSerializationVerificationNeeded;

    /// <summary>The snapshot's files; none when asked mid-iteration, which a snapshot must not capture.</summary>
    public sealed record SnapshotWritten(SnapshotFiles? Files) : INoSerializationVerificationNeeded;
}
