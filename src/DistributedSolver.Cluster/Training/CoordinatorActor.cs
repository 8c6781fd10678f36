using Akka.Actor;
using Akka.Event;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Messages;
using DistributedSolver.Cluster.Operations;
using DistributedSolver.Nets;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// The coordinator singleton: builds the trainer and its parameter server child, keeps the roster
/// of registered workers with death watch, and executes the run's <see cref="TrainingSchedule"/>
/// on them — an iteration's units cut into contiguous shares of tree nodes, one share per worker;
/// test passes cut into batches the same way; snapshots through the parameter server. A dead
/// worker's outstanding nodes and batches go to the live worker with the least work, which changes
/// who adds a subtree, never the sum. A new incarnation every time the singleton starts lets
/// workers and the data-plane handshake tell a hand-over happened.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers, IWithStash
{
    private const string NoWorkersTimer = "no-workers";
    private const string BackupTimer = "backup";
    private const int LatencyWindow = 32;
    private const int MaxAnswerBytes = 64 * 1024;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly NodeMonitor _monitor = NodeMonitor.Get(Context.System);
    private readonly CoordinatorSettings _settings;
    private readonly long _incarnation;
    private readonly List<(IActorRef Worker, string Id)> _workers = [];
    private readonly Dictionary<UnitBlock, IActorRef> _blocks = [];
    private readonly Dictionary<int, (IActorRef Worker, int Count)> _batches = [];
    // When each outstanding node was last sent, and which have a backup copy out already.
    private readonly Dictionary<UnitBlock, DateTime> _sentAt = [];
    private readonly HashSet<UnitBlock> _backedUp = [];
    private readonly Queue<TimeSpan> _latencies = new();
    private Trainer _trainer = null!;
    private GradientBuckets _buckets = null!;
    private TrainingSchedule _schedule = null!;
    private IActorRef _parameterServer = ActorRefs.Nobody;
    private DataPlaneEndpoint? _endpoint;
    private ScheduleStep? _step;
    private (float Loss, float[] Outputs)?[] _batchResults = [];
    private bool _started;
    private bool _finished;
    private bool _resumed;
    private TrainingOutcome? _failure;
    // Who asked for a hand-over (the node is leaving), and whether its snapshot is on the way.
    private IActorRef? _handOverTo;
    private bool _handOverSnapshot;

    public CoordinatorActor(CoordinatorSettings settings)
    {
        _settings = settings;
        // A new incarnation whenever the singleton (re)starts, unless a test pins one.
        _incarnation = settings.FixedIncarnation ?? Random.Shared.NextInt64(1, long.MaxValue);
        Receive<ParameterServerActor.Ready>(ready =>
        {
            _endpoint = ready.Endpoint;
            Become(Running);
            Stash.UnstashAll();
            // A standby that resumes a run that already ended (its final snapshot is the newest)
            // reports it done instead of replaying the end on workers that are leaving.
            if (_resumed && _schedule.Iteration >= _trainer.Solver.Parameter.MaxIter)
                Finish(new TrainingOutcome(true, _schedule.Iteration, $"the run was complete at iteration {_schedule.Iteration}"));
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_parameterServer), _ => ParameterServerStopped());
        Receive<Ping>(p => Sender.Tell(new Pong(p.Sequence)));
        // Not started yet, so nothing new to save.
        Receive<PrepareHandOver>(_ =>
        {
            _handOverTo = Sender;
            HandedOver(null);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    public static Props Props(CoordinatorSettings settings) => Akka.Actor.Props.Create(() => new CoordinatorActor(settings));

    // A broken child ends the run (Terminated → Fail) instead of restarting with lost state.
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    protected override void PreStart()
    {
        try
        {
            _trainer = _settings.CreateTrainer();
            _buckets = GradientBuckets.Plan(_trainer.TrainNet, _settings.MinBucketBytes, _trainer.Solver.Parameter.ClipGradients >= 0);
        }
        catch (Exception e)
        {
            // Restarting cannot help (the same files give the same error): the run fails, so the
            // process exits non-zero and says why.
            _log.Error(e, "The coordinator cannot build its trainer");
            _finished = true;
            _settings.Finished(new TrainingOutcome(false, 0, $"cannot build the trainer: {e.Message}"));
            Context.Stop(Self);
            return;
        }
        _resumed = _trainer.Iteration > 0;
        // Progress also goes to the node's /metrics, wherever the singleton runs.
        _schedule = _trainer.CreateSchedule(new CompositeObserver(_settings.Observer, new MonitorObserver(_monitor)));
        var dataPlane = DataPlaneSettings.From(_settings.Node, _trainer.TrainNet.ParameterCount) with { Monitor = _monitor };
        _parameterServer = Context.Watch(Context.ActorOf(ParameterServerActor.Props(_trainer, _trainer.Replica.Backend, dataPlane, _incarnation, _buckets), "parameter-server"));
        _log.Info("Coordinator started (incarnation {0}) at iteration {1}: waiting for {2} worker(s)", _incarnation, _schedule.Iteration, MinWorkers);
    }

    // A fresh run waits for its workers; a resumed one goes on with whoever is back.
    private int MinWorkers => _resumed ? 1 : _settings.MinWorkers;

    /// <summary>
    /// An exception in a handler fails the run rather than restarting the singleton in place: a
    /// restart would keep the same address (workers would never register again) with none of the
    /// run's state. The standby, or a restarted process, resumes from the newest snapshot.
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e) when (!_finished)
        {
            _log.Error(e, "The coordinator failed on {0}", message.GetType().Name);
            Fail($"the coordinator failed: {e.Message}");
            return true;
        }
    }

    private void Running()
    {
        Receive<RegisterWorker>(Register);
        Receive<Ping>(p => Sender.Tell(new Pong(p.Sequence)));
        Receive<Terminated>(t => t.ActorRef.Equals(_parameterServer), _ => ParameterServerStopped());
        Receive<Terminated>(t => Lost(t.ActorRef));
        Receive<ParameterServerActor.BlockReceived>(OnBlockReceived);
        Receive<SendBackups>(_ => SendBackupCopies());
        Receive<ParameterServerActor.IterationApplied>(_ => !_finished, OnIterationApplied);
        Receive<ParameterServerActor.SnapshotWritten>(written =>
        {
            if (written.Files is { } files) _settings.Observer.OnSnapshot(files);
            if (_failure is { } failure) Finish(failure);
            // A scheduled snapshot written while leaving is at a boundary too: no second one.
            else if (_handOverSnapshot || (_handOverTo is not null && written.Files is not null)) HandedOver(written.Files);
            else if (!_finished) Advance();
        });
        Receive<Evaluated>(_ => !_finished, OnEvaluated);
        Receive<NoWorkersLeft>(_ => Fail($"no live worker for {_settings.NoWorkerTimeout.TotalSeconds:0} s"));
        Receive<PrepareHandOver>(_ => OnHandOver());
    }

    // The run stops at the next iteration boundary: now, when no worker is left to finish the
    // iteration in flight, else once the iteration or test pass in flight is done (Advance). A run
    // not started yet has nothing new to save: its start is a snapshot already, or iteration 0.
    private void OnHandOver()
    {
        if (_finished || _failure is not null)
        {
            Sender.Tell(new HandOverPrepared(null));
            return;
        }
        _handOverTo = Sender;
        if (!_started)
        {
            HandedOver(null);
            return;
        }
        _log.Info("Leaving: the run stops at the next iteration boundary for a snapshot (iteration {0} is in flight), then the singleton hands over", _schedule.Iteration);
        if (_workers.Count == 0) WriteHandOverSnapshot();
    }

    // Also when an iteration is in flight without workers: the parameter server refuses a snapshot
    // once part of the iteration is applied, and then the newest earlier snapshot is the resume point.
    private void WriteHandOverSnapshot()
    {
        if (_handOverSnapshot) return;
        _handOverSnapshot = true;
        _blocks.Clear();
        _batches.Clear();
        Timers.CancelAll();
        _parameterServer.Tell(new ParameterServerActor.WriteSnapshot(_schedule.TestPositions));
    }

    private void HandedOver(SnapshotFiles? files)
    {
        _log.Info(files is null ? "Stopped for the hand-over without a snapshot" : "Stopped for the hand-over after the snapshot of iteration {0}", files?.Iteration);
        _handOverTo!.Tell(new HandOverPrepared(files));
        Timers.CancelAll();
        // Workers re-register with the next singleton; this one only answers pings until it is
        // stopped, and ignores the rest (a watched worker or the parameter server ending is no failure now).
        Become(() =>
        {
            Receive<Ping>(p => Sender.Tell(new Pong(p.Sequence)));
            ReceiveAny(_ => { });
        });
    }

    private void Register(RegisterWorker r)
    {
        string layout = _trainer.Replica.Layout;
        if (r.NetLayout != layout)
        {
            string reason = $"worker {r.WorkerId} has another net: its net is [{r.NetLayout}], the coordinator's is [{layout}]";
            _log.Warning("Refused {0}", reason);
            Sender.Tell(new WorkerRefused(r.WorkerId, reason));
            return;
        }
        if (_workers.All(w => !w.Worker.Equals(Sender)))
        {
            _workers.Add((Sender, r.WorkerId));
            Context.Watch(Sender);
            _log.Info("Worker {0} registered ({1} live, incarnation {2})", r.WorkerId, _workers.Count, _incarnation);
            _monitor.LiveWorkers.Set(_workers.Count);
            Timers.Cancel(NoWorkersTimer);
        }
        Sender.Tell(new WorkerRegistered(r.WorkerId, _incarnation, _endpoint!.Host, _endpoint.Port, _trainer.RandomSeed, [.. _buckets.Offsets]));
        if (_finished) Sender.Tell(new TrainingFinished(true, "the run is over"));
        else if (!_started && _workers.Count >= MinWorkers)
        {
            _started = true;
            Advance();
        }
        else if (_started) Reassign(ActorRefs.Nobody);
    }

    private void Lost(IActorRef worker)
    {
        int index = _workers.FindIndex(w => w.Worker.Equals(worker));
        if (index < 0) return;
        _log.Warning("Worker {0} is gone ({1} live)", _workers[index].Id, _workers.Count - 1);
        _workers.RemoveAt(index);
        _monitor.LiveWorkers.Set(_workers.Count);
        if (_handOverTo is not null && _workers.Count == 0) WriteHandOverSnapshot();
        else Reassign(worker);
    }

    // Gives the outstanding nodes and batches of a dead worker (or of no one, once a worker is back) to the live ones.
    private void Reassign(IActorRef from)
    {
        if (_finished) return;
        if (_workers.Count == 0)
        {
            if (_started && !Timers.IsTimerActive(NoWorkersTimer))
            {
                _log.Warning("No live worker: waiting up to {0} s for one to register", _settings.NoWorkerTimeout.TotalSeconds);
                Timers.StartSingleTimer(NoWorkersTimer, NoWorkersLeft.Instance, _settings.NoWorkerTimeout);
            }
            return;
        }
        bool orphan(IActorRef owner) => owner.Equals(from) || !_workers.Any(w => w.Worker.Equals(owner));
        foreach (var (block, _) in _blocks.Where(b => orphan(b.Value)).ToList())
        {
            var worker = LeastBusy();
            _blocks[block] = worker;
            _log.Info("Iteration {0}: {1} sent again, to {2}", ((TrainStep)_step!).Iteration, block, NameOf(worker));
            SendNode(block, worker);
            _sentAt[block] = DateTime.UtcNow;
            _monitor.UnitsResent.Inc(block.Count);
        }
        foreach (var (first, (_, count)) in _batches.Where(b => orphan(b.Value.Worker)).ToList())
            SendBatches(first, count, LeastBusy());
    }

    private IActorRef LeastBusy() => _workers.Select(w => w.Worker).MinBy(Load)!;

    private int Load(IActorRef worker) =>
        _blocks.Where(b => b.Value.Equals(worker)).Sum(b => b.Key.Count) + _batches.Values.Where(b => b.Worker.Equals(worker)).Sum(b => b.Count);

    private string NameOf(IActorRef worker) => _workers.FirstOrDefault(w => w.Worker.Equals(worker)).Id ?? worker.Path.ToString();

    // Runs the schedule until a step has to wait for workers or the parameter server.
    private void Advance()
    {
        if (_handOverTo is not null)
        {
            WriteHandOverSnapshot();
            return;
        }
        _step = _schedule.Next();
        switch (_step)
        {
            case null:
                Finish(new TrainingOutcome(!_schedule.StoppedEarly, _schedule.Iteration, _schedule.StoppedEarly ? "Optimization stopped early." : "Optimization Done."));
                break;
            case TrainStep t:
                StartIteration(t);
                break;
            case TestStep t:
                StartBatches(t.Batches);
                break;
            case DisplayForwardStep:
                StartBatches(1);
                break;
            case SnapshotStep:
                _parameterServer.Tell(new ParameterServerActor.WriteSnapshot(_schedule.TestPositions));
                break;
        }
    }

    private void StartIteration(TrainStep step)
    {
        int units = _trainer.Replica.Units.UnitsPerIteration;
        if (_workers.Count == 0)
        {
            _blocks[new UnitBlock(0, units)] = ActorRefs.Nobody;
            Reassign(ActorRefs.Nobody);
            return;
        }
        var shares = Shares(units);
        int from = 0;
        var now = DateTime.UtcNow;
        for (int i = 0; i < shares.Count; i++)
        {
            var worker = _workers[i].Worker;
            foreach (var block in UnitTree.Decompose(units, from, from + shares[i]))
            {
                _blocks[block] = worker;
                _sentAt[block] = now;
            }
            worker.Tell(new Step(step.Iteration, step.Iteration, from, from + shares[i], step.Display));
            from += shares[i];
        }
        if (_workers.Count > 1) Timers.StartSingleTimer(BackupTimer, SendBackups.Instance, BackupDelay());
    }

    private void SendNode(UnitBlock block, IActorRef worker)
    {
        var train = (TrainStep)_step!;
        worker.Tell(new Step(train.Iteration, train.Iteration, block.Start, block.End, train.Display));
    }

    private void OnBlockReceived(ParameterServerActor.BlockReceived received)
    {
        _blocks.Remove(received.Block);
        _backedUp.Remove(received.Block);
        if (!_sentAt.Remove(received.Block, out var sent)) return;
        _latencies.Enqueue(DateTime.UtcNow - sent);
        if (_latencies.Count > LatencyWindow) _latencies.Dequeue();
    }

    // The lower median of the recent node latencies: a straggler's own slowness does not raise it
    // while most nodes are fast.
    private TimeSpan BackupDelay()
    {
        if (_latencies.Count == 0) return _settings.InitialBackupDelay;
        var sorted = _latencies.Order().ToList();
        var median = sorted[(sorted.Count - 1) / 2];
        return TimeSpan.FromTicks(Math.Max(_settings.MinBackupDelay.Ticks, (long)(median.Ticks * _settings.BackupAfterMedianMultiple)));
    }

    // Straggling nodes get a copy on the least busy other worker; whichever copy arrives first is used.
    private void SendBackupCopies()
    {
        if (_step is not TrainStep train) return;
        foreach (var (block, owner) in _blocks.Where(b => !_backedUp.Contains(b.Key)).ToList())
        {
            var others = _workers.Select(w => w.Worker).Where(w => !w.Equals(owner)).ToList();
            if (others.Count == 0) return;
            var backup = others.MinBy(Load)!;
            _backedUp.Add(block);
            _log.Info("Iteration {0}: {1} is late on {2}; a backup copy goes to {3}", train.Iteration, block, NameOf(owner), NameOf(backup));
            SendNode(block, backup);
            _monitor.UnitsResent.Inc(block.Count);
        }
    }

    // Contiguous, as equal as can be, the first workers taking one more.
    private List<int> Shares(int items)
    {
        int n = Math.Min(_workers.Count, items);
        return [.. Enumerable.Range(0, n).Select(i => items / n + (i < items % n ? 1 : 0))];
    }

    private void OnIterationApplied(ParameterServerActor.IterationApplied applied)
    {
        var step = (TrainStep)_step!;
        if (applied.Iteration != step.Iteration) throw new InvalidOperationException($"iteration {applied.Iteration} applied during {step}");
        _blocks.Clear();
        _sentAt.Clear();
        _backedUp.Clear();
        Timers.Cancel(BackupTimer);
        var outputs = step.Display ? Name(_trainer.TrainNet, applied.Outputs) : [];
        _schedule.IterationDone(TrainingSchedule.MeanLoss(applied.UnitLosses), applied.Rate, outputs, _workers.Count);
        Advance();
    }

    private void StartBatches(int count)
    {
        _batchResults = new (float, float[])?[count];
        if (_workers.Count == 0)
        {
            for (int b = 0; b < count; b += BatchesPerOrder) _batches[b] = (ActorRefs.Nobody, Math.Min(BatchesPerOrder, count - b));
            Reassign(ActorRefs.Nobody);
            return;
        }
        var shares = Shares(count);
        int first = 0;
        for (int i = 0; i < shares.Count; i++)
        {
            // Answers carry every batch's outputs; orders are cut so that each answer stays far
            // below Akka.Remote's frame limit (128 kB by default).
            int end = first + shares[i];
            for (int b = first; b < end; b += BatchesPerOrder) SendBatches(b, Math.Min(BatchesPerOrder, end - b), _workers[i].Worker);
            first = end;
        }
    }

    private int BatchesPerOrder
    {
        get
        {
            var net = _step is TestStep t ? _trainer.TestNets[t.NetIndex] : _trainer.TrainNet;
            int floatsPerBatch = 1 + net.Outputs.Sum(o => o.Blob.Count);
            return Math.Max(1, MaxAnswerBytes / (floatsPerBatch * sizeof(float)));
        }
    }

    private void SendBatches(int first, int count, IActorRef worker)
    {
        _batches[first] = (worker, count);
        long version = _schedule.Iteration;
        var order = _step switch
        {
            TestStep t => new Evaluate(t.NetIndex, version, t.Position, first, count),
            DisplayForwardStep d => new Evaluate(Evaluate.TrainNet, version, _trainer.Replica.Units.Position(d.Iteration, 0), first, count),
            var other => throw new InvalidOperationException($"no batches in {other}"),
        };
        worker.Tell(order);
    }

    private void OnEvaluated(Evaluated e)
    {
        int net = _step switch { TestStep t => t.NetIndex, DisplayForwardStep => Evaluate.TrainNet, _ => int.MinValue };
        if (e.Net != net || e.Version != _schedule.Iteration || !_batches.TryGetValue(e.FirstBatch, out var assigned)
            || e.Losses.Length != assigned.Count || e.Outputs.Length % Math.Max(1, e.Losses.Length) != 0)
        {
            _log.Debug("Ignored a late or duplicate answer for batches {0}+{1} of net {2}, version {3}", e.FirstBatch, e.Losses.Length, e.Net, e.Version);
            return;
        }
        _batches.Remove(e.FirstBatch);
        int perBatch = e.Outputs.Length / Math.Max(1, e.Losses.Length);
        for (int i = 0; i < e.Losses.Length; i++)
            _batchResults[e.FirstBatch + i] = (e.Losses[i], e.Outputs[(i * perBatch)..((i + 1) * perBatch)]);
        if (_batches.Count > 0) return;
        switch (_step)
        {
            case TestStep t:
                var accumulator = new TestAccumulator(t.Iteration, t.NetIndex, t.Batches, _trainer.Solver.Parameter.TestComputeLoss);
                foreach (var result in _batchResults) accumulator.Add(result!.Value.Loss, Name(_trainer.TestNets[t.NetIndex], result.Value.Outputs));
                _schedule.TestDone(accumulator.Report());
                break;
            case DisplayForwardStep:
                _schedule.DisplayForwardDone(_batchResults[0]!.Value.Loss);
                break;
        }
        Advance();
    }

    /// <summary>Output values as <see cref="Trainer.ReadOutputs"/> names them on <paramref name="net"/>.</summary>
    private static List<OutputValue> Name(Net net, float[] values)
    {
        var named = new List<OutputValue>(values.Length);
        foreach (var o in net.Outputs)
            for (int j = 0; j < o.Blob.Count && named.Count < values.Length; j++)
                named.Add(new OutputValue(o.Name, values[named.Count], o.LossWeight));
        if (named.Count != values.Length) throw new InvalidDataException($"{values.Length} output values for a net with {named.Count}");
        return named;
    }

    // The outcome is reported once the final snapshot is on disk (or at once without a parameter
    // server to write it), so the process never exits while the snapshot is being written.
    private void Fail(string reason)
    {
        if (_finished || _failure is not null) return;
        _log.Error("Training failed at iteration {0}: {1}", _schedule.Iteration, reason);
        _failure = new TrainingOutcome(false, _schedule.Iteration, reason);
        _blocks.Clear();
        _batches.Clear();
        Timers.CancelAll();
        if (_parameterServer.IsNobody()) Finish(_failure);
        else _parameterServer.Tell(new ParameterServerActor.WriteSnapshot(_schedule.TestPositions));
    }

    private void ParameterServerStopped()
    {
        _parameterServer = ActorRefs.Nobody;
        if (_failure is { } failure) Finish(failure);
        else Fail("the parameter server stopped");
    }

    private void Finish(TrainingOutcome outcome)
    {
        if (_finished) return;
        _finished = true;
        // A hand-over asked for during a failure is answered: the failure wrote its own snapshot.
        _handOverTo?.Tell(new HandOverPrepared(null));
        _blocks.Clear();
        _batches.Clear();
        foreach (var (worker, _) in _workers) worker.Tell(new TrainingFinished(outcome.Succeeded, outcome.Message));
        _settings.Finished(outcome);
    }

    private sealed class NoWorkersLeft : INoSerializationVerificationNeeded
    {
        public static readonly NoWorkersLeft Instance = new();
    }

    private sealed class SendBackups : INoSerializationVerificationNeeded
    {
        public static readonly SendBackups Instance = new();
    }
}
