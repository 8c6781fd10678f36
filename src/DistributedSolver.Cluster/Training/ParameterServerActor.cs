using System.Buffers;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using DistributedSolver.Backend;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// The parameter server, a child of the coordinator singleton: owns the master weights and the
/// solver (a <see cref="Trainer"/>), listens on the data plane, completes each iteration's unit
/// tree from the workers' partial sums, applies the same update as <c>dsolver train</c> and sends
/// every worker the new weights. A gradient frame is accepted only for the current version, a
/// node of the unit tree not yet covered, and the exact length; anything else is counted, logged
/// and dropped, never applied.
/// </summary>
internal sealed class ParameterServerActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Trainer _trainer;
    private readonly IComputeBackend _backend;
    private readonly DataPlaneSettings _settings;
    private readonly long _incarnation;
    private readonly int _units;
    private readonly int _parameters;
    private readonly int _outputs;
    private readonly Dictionary<UnitBlock, BufferView> _received = [];
    private readonly List<BufferView> _freeSums = [];
    private readonly float[] _unitLosses;
    private readonly float[] _displayOutputs;
    // Each connection's weights frames not yet acknowledged, by version: released when acknowledged
    // or when the connection goes, so a dead connection cannot hold a frame forever.
    private readonly Dictionary<IActorRef, List<long>> _connections = [];
    private readonly Dictionary<long, WeightsFrame> _frames = [];
    // Gradients dropped so far, by reason, logged on display iterations (the metrics endpoint will publish them).
    private readonly Dictionary<string, int> _dropped = [];
    private int _covered;
    private IActorRef _listener = ActorRefs.Nobody;
    private readonly TimeSplit _split = new();
    private long _firstBlockAt;
    private long _version;

    public ParameterServerActor(Trainer trainer, IComputeBackend backend, DataPlaneSettings settings, long incarnation)
    {
        _trainer = trainer;
        _backend = backend;
        _settings = settings;
        _incarnation = incarnation;
        _units = trainer.Solver.Parameter.IterSize;
        _parameters = trainer.TrainNet.ParameterCount;
        _outputs = trainer.TrainNet.Outputs.Sum(o => o.Blob.Count);
        _unitLosses = new float[_units];
        _displayOutputs = new float[_outputs];
        _version = trainer.Iteration;

        Receive<DataPlaneEndpoint>(endpoint => Context.Parent.Tell(new Ready(endpoint)));
        Receive<DataPlaneConnected>(connected =>
        {
            _connections[connected.Connection] = [];
            Context.Watch(connected.Connection);
            Send(_frames[_version], connected.Connection);
        });
        Receive<DataPlaneDisconnected>(gone => Drop(gone.Connection));
        Receive<Terminated>(t => t.ActorRef.Equals(_listener), (Terminated _) =>
        {
            _log.Error("Parameter server: the data-plane listener on port {0} stopped", _settings.Port);
            Context.Stop(Self);
        });
        Receive<Terminated>(t => Drop(t.ActorRef));
        Receive<TensorReceived>(OnGradient);
        Receive<TensorSent>(sent => Release(Sender, sent.Request.WeightsVersion));
        Receive<TensorNotSent>(failed =>
        {
            _log.Warning("Parameter server: weights {0} not sent: {1}", failed.Request.WeightsVersion, failed.Reason);
            Release(Sender, failed.Request.WeightsVersion);
        });
        Receive<WriteSnapshot>(w => Sender.Tell(new SnapshotWritten(_trainer.WriteSnapshot((int)_version, w.TestPositions))));
    }

    public static Props Props(Trainer trainer, IComputeBackend backend, DataPlaneSettings settings, long incarnation) =>
        Akka.Actor.Props.Create(() => new ParameterServerActor(trainer, backend, settings, incarnation)).WithDispatcher(Hosting.HoconBuilder.ComputeDispatcher);

    // A listener that cannot bind (the port is taken) stops, and so does this actor: the coordinator ends the run.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        PublishWeights();
        _listener = Context.Watch(Context.ActorOf(DataPlaneListener.Props(_settings, _incarnation, Self), "data-plane"));
        _listener.Tell(GetDataPlaneEndpoint.Instance);
    }

    protected override void PostStop()
    {
        foreach (var frame in _frames.Values) ArrayPool<byte>.Shared.Return(frame.Bytes);
        _frames.Clear();
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
        string? refusal = h.Kind != FrameKind.Gradient ? $"a {h.Kind} frame"
            : h.WeightsVersion < _version || h.Iteration < _version ? "stale"
            : h.WeightsVersion != _version || h.Iteration != _version ? "from the future"
            : !UnitTree.IsNode(_units, block) ? "not a node of the unit tree"
            : _received.Keys.Any(b => b.Start < block.End && block.Start < b.End) ? "duplicate"
            : null;
        int expected = (_parameters + block.Count + (Display(_version) && block.End == _units ? _outputs : 0)) * sizeof(float);
        if (refusal is null && payload.Memory.Length != expected) refusal = "wrong length";
        if (refusal is not null)
        {
            _dropped[refusal] = _dropped.GetValueOrDefault(refusal) + 1;
            string message = $"Parameter server: dropped a gradient from {received.Peer} ({refusal}): iteration {h.Iteration}, version {h.WeightsVersion}, "
                + $"{block}, {payload.Memory.Length} bytes (expected iteration and version {_version}, {expected} bytes)";
            // Duplicates are expected (a backup copy, a re-sent unit that finished after all); the rest are faults.
            if (refusal == "duplicate") _log.Debug(message);
            else _log.Warning(message);
            return;
        }
        var values = MemoryMarshal.Cast<byte, float>(payload.Memory.Span);
        var sum = _freeSums.Count > 0 ? _freeSums[^1] : _backend.Allocate(_parameters).View;
        if (_freeSums.Count > 0) _freeSums.RemoveAt(_freeSums.Count - 1);
        _backend.Upload(values[.._parameters], sum);
        values.Slice(_parameters, block.Count).CopyTo(_unitLosses.AsSpan(block.Start));
        if (values.Length > _parameters + block.Count) values[(_parameters + block.Count)..].CopyTo(_displayOutputs);
        if (_received.Count == 0) _firstBlockAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _received.Add(block, sum);
        _covered += block.Count;
        Context.Parent.Tell(new BlockReceived((int)_version, block));
        if (_covered == _units) Apply();
    }

    private void Apply()
    {
        _split.Add("first to last node", _firstBlockAt);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int iteration = (int)_version;
        float rate = _trainer.Solver.ApplyUpdate(iteration, UnitTree.Combine(_backend, _units, _received));
        _freeSums.AddRange(_received.Values);
        _received.Clear();
        _covered = 0;
        _version++;
        PublishWeights();
        _split.Add("tree sum, update and weights out", start);
        if (Display(iteration))
        {
            string dropped = _dropped.Count == 0 ? "" : "; gradients dropped so far: " + string.Join(", ", _dropped.Select(d => $"{d.Key} {d.Value}"));
            _log.Info("Parameter server at iteration {0}: {1}{2}", iteration, _split.Report(), dropped);
        }
        Context.Parent.Tell(new IterationApplied(iteration, rate, [.. _unitLosses], Display(iteration) ? [.. _displayOutputs] : []));
    }

    // The weights of the current version, sent to every connected worker; a frame's bytes go back
    // to the pool once superseded and acknowledged by every connection.
    private void PublishWeights()
    {
        int length = _parameters * sizeof(float);
        var bytes = ArrayPool<byte>.Shared.Rent(length);
        _backend.Download(_trainer.TrainNet.ParameterData, MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length)));
        var frame = new WeightsFrame(bytes, length, _version);
        _frames[_version] = frame;
        foreach (var connection in _connections.Keys) Send(frame, connection);
        foreach (var old in _frames.Values.Where(f => f.Version < _version && f.Pending == 0).ToList()) Retire(old);
    }

    private void Send(WeightsFrame frame, IActorRef connection)
    {
        frame.Pending++;
        _connections[connection].Add(frame.Version);
        connection.Tell(new SendTensor(FrameKind.Weights, (int)frame.Version, 0, 0, frame.Version, frame.Bytes.AsMemory(0, frame.Length)));
    }

    private void Release(IActorRef connection, long version)
    {
        if (!_connections.TryGetValue(connection, out var pending) || !pending.Remove(version)) return;
        var frame = _frames[version];
        frame.Pending--;
        if (frame.Pending == 0 && frame.Version < _version) Retire(frame);
    }

    private void Drop(IActorRef connection)
    {
        if (!_connections.TryGetValue(connection, out var pending)) return;
        foreach (long version in pending.ToList()) Release(connection, version);
        _connections.Remove(connection);
    }

    private void Retire(WeightsFrame frame)
    {
        _frames.Remove(frame.Version);
        ArrayPool<byte>.Shared.Return(frame.Bytes);
    }

    private sealed class WeightsFrame(byte[] bytes, int length, long version)
    {
        public byte[] Bytes => bytes;
        public int Length => length;
        public long Version => version;
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

    public sealed record SnapshotWritten(SnapshotFiles Files) : INoSerializationVerificationNeeded;
}
