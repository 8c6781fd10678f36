using System.Diagnostics;
using DistributedSolver.Backend;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Randomness;
using DistributedSolver.Snapshots;
using DistributedSolver.Solvers;

namespace DistributedSolver.Training;

/// <summary>
/// Caffe's Solver::Solve in one process: iterations of <c>iter_size</c> units added along the
/// fixed tree, test passes, display with <c>average_loss</c>, snapshots and resume. The cluster's
/// coordinator runs the same schedule over workers.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingDefinition _definition;
    private readonly IComputeBackend _backend;
    private readonly ITrainingObserver _observer;
    private readonly long[] _testPositions;

    /// <param name="resumeFrom">A .solverstate to resume from: its nets are built with the seed the
    /// snapshotted run used (which matters when random_seed is unset), then its state is restored.</param>
    public Trainer(TrainingDefinition definition, IComputeBackend backend, ITrainingObserver observer, string? resumeFrom = null)
    {
        _definition = definition;
        _backend = backend;
        _observer = observer;
        var p = definition.Solver;
        var resume = resumeFrom is null ? null : ReadResumeState(resumeFrom);
        RandomSeed = resume?.RandomSeed ?? (p.RandomSeed >= 0 ? p.RandomSeed : Environment.TickCount64 & int.MaxValue);
        if (p.RandomSeed < 0 && resume is null) observer.OnMessage($"random_seed not set: using {RandomSeed}");
        if (p.RandomSeed >= 0 && resume is not null && resume.RandomSeed != p.RandomSeed)
            observer.OnMessage($"random_seed {p.RandomSeed} differs from the snapshot's {resume.RandomSeed}: resuming with the snapshot's");
        Replica = new Replica(definition, backend, RandomSeed, observer.OnMessage);
        Solver = SolverFactory.Create(p, TrainNet, backend);
        _testPositions = new long[TestNets.Count];
        if (resumeFrom is not null) Restore(resumeFrom, resume);
    }

    /// <summary>The nets this trainer updates.</summary>
    public Replica Replica { get; }

    public Net TrainNet => Replica.TrainNet;

    public IReadOnlyList<Net> TestNets => Replica.TestNets;

    public Solver Solver { get; }

    public long RandomSeed { get; }

    /// <summary>The iteration about to run (Caffe's iter_).</summary>
    public int Iteration { get; private set; }

    private SolverParameter P => _definition.Solver;

    /// <summary>Caffe's --weights: starts from the blobs of a .caffemodel (layers matched by name).</summary>
    public void LoadWeights(string caffemodelPath)
    {
        var model = SnapshotStore.ReadModel(caffemodelPath);
        foreach (var name in TrainNet.CopyTrainedLayersFrom(model, caffemodelPath)) _observer.OnMessage($"Ignoring source layer {name}");
        // Caffe's CopyLayers also loads the test nets: a test-only layer with weights gets them too.
        foreach (var net in TestNets) net.CopyTrainedLayersFrom(model, caffemodelPath);
    }

    private ResumeState? ReadResumeState(string solverStatePath)
    {
        string path = SnapshotStore.ResumePathFor(solverStatePath);
        if (File.Exists(path)) return ResumeState.Read(path);
        _observer.OnMessage($"{path} not found: a Caffe snapshot; test data restarts from its beginning");
        return null;
    }

    // Caffe's --snapshot: weights, history and iteration from a .solverstate, test positions from its resume file.
    private void Restore(string solverStatePath, ResumeState? resume)
    {
        var state = SnapshotStore.ReadState(solverStatePath);
        if (!state.HasLearnedNet || state.LearnedNet.Length == 0 || state.Iter < 0)
            throw new InvalidDataException($"{solverStatePath}: not a .solverstate (no learned_net, or a negative iter); give the .solverstate of a snapshot, not its .caffemodel");
        string model = state.LearnedNet;
        if (!File.Exists(model))
            model = Path.Combine(Path.GetDirectoryName(solverStatePath) ?? "", Path.GetFileName(state.LearnedNet));
        TrainNet.CopyTrainedLayersFrom(SnapshotStore.ReadModel(model), model);
        Solver.RestoreHistory(state, solverStatePath);
        Iteration = state.Iter;
        if (resume is not null)
        {
            if (resume.Iteration != state.Iter || resume.TestPositions.Count != _testPositions.Length)
                throw new InvalidDataException($"{SnapshotStore.ResumePathFor(solverStatePath)}: belongs to iteration {resume.Iteration} "
                    + $"with {resume.TestPositions.Count} test nets, not to {solverStatePath}");
            resume.TestPositions.ToArray().CopyTo(_testPositions, 0);
        }
        _observer.OnMessage($"Restored iteration {Iteration} from {solverStatePath}");
    }

    public void Solve(CancellationToken cancellation = default)
    {
        _observer.OnMessage($"Solving {TrainNet.Name} ({TrainNet.ParameterCount} parameters) on {_backend.Description}");
        _observer.OnMessage($"Learning Rate Policy: {P.LrPolicy}");
        var schedule = CreateSchedule(_observer);
        using var stop = cancellation.Register(schedule.Stop);
        var unitLosses = new float[P.IterSize];
        while (schedule.Next() is { } step)
        {
            switch (step)
            {
                case TestStep t:
                    schedule.TestDone(Evaluate(TestNets[t.NetIndex], t, P.TestComputeLoss));
                    break;
                case TrainStep t:
                    var gradient = Replica.Units.Run(t.Iteration, new UnitBlock(0, P.IterSize), unitLosses);
                    var outputs = t.Display ? ReadOutputs(TrainNet) : [];
                    float rate = Solver.ApplyUpdate(t.Iteration, gradient);
                    schedule.IterationDone(TrainingSchedule.MeanLoss(unitLosses), rate, outputs);
                    break;
                case SnapshotStep s:
                    _observer.OnSnapshot(WriteSnapshot(s.Iteration, schedule.TestPositions));
                    break;
                case DisplayForwardStep f:
                    TrainNet.SetDataPosition(Replica.Units.Position(f.Iteration, 0));
                    schedule.DisplayForwardDone(TrainNet.Forward());
                    break;
            }
        }
        Iteration = schedule.Iteration;
        schedule.TestPositions.ToArray().CopyTo(_testPositions, 0);
    }

    /// <summary>The outputs of a net's last forward pass, in the order of its output blobs.</summary>
    public static List<OutputValue> ReadOutputs(Net net) =>
        [.. net.Outputs.SelectMany(o => net.ReadValues(o.Blob).Select(v => new OutputValue(o.Name, v, o.LossWeight)))];

    /// <summary>Runs a test step's forward passes on <paramref name="net"/> and averages every output.</summary>
    public static TestReport Evaluate(Net net, TestStep step, bool computeLoss)
    {
        var accumulator = new TestAccumulator(step.Iteration, step.NetIndex, step.Batches, computeLoss);
        for (int i = 0; i < step.Batches; i++)
        {
            var (loss, outputs) = ForwardBatch(net, step.Position + (long)i * net.BatchSize);
            accumulator.Add(loss, outputs);
        }
        return accumulator.Report();
    }

    /// <summary>One forward pass of <paramref name="net"/> on the batch at <paramref name="position"/>: its loss and outputs.</summary>
    public static (float Loss, List<OutputValue> Outputs) ForwardBatch(Net net, long position)
    {
        net.SetDataPosition(position);
        float loss = net.Forward();
        return (loss, ReadOutputs(net));
    }

    /// <summary>The schedule of this run from where it stands (iteration and test data after a resume).</summary>
    public TrainingSchedule CreateSchedule(ITrainingObserver observer) =>
        new(P, observer, Iteration, _testPositions, [.. TestNets.Select(n => n.BatchSize)], TrainNet.BatchSize * P.IterSize);

    /// <summary>Writes the weights and solver state after <paramref name="iteration"/> updates, with the test data's positions.</summary>
    public SnapshotFiles WriteSnapshot(int iteration, IReadOnlyList<long> testPositions)
    {
        var files = SnapshotStore.FilesFor(_definition.SnapshotPrefix, iteration);
        SnapshotStore.Write(files, TrainNet.ToProto(P.SnapshotDiff), Solver.ToState(iteration, files.Model),
            new ResumeState(ResumeState.CurrentFormat, iteration, RandomSeed, testPositions));
        return files;
    }
}
