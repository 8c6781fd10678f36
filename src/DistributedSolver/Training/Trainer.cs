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
    private readonly GradientTree _tree;
    private readonly long[] _testPositions;
    private readonly List<float> _losses = [];
    private float _smoothedLoss;

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
        var context = new NetContext(definition.NetDirectory, DeterministicSeed.Mix(RandomSeed), observer.OnMessage);
        try
        {
            TrainNet = new Net(definition.TrainNet, Phase.Train, backend, context);
            TestNets = [.. definition.TestNets.Select(n => new Net(n, Phase.Test, backend, context, TrainNet))];
        }
        catch (NetConfigurationException e) when (definition.TrainNet.Name.Length > 0)
        {
            throw new NetConfigurationException($"net '{definition.TrainNet.Name}': {e.Message}", e);
        }
        Solver = SolverFactory.Create(p, TrainNet, backend);
        _tree = new GradientTree(backend, TrainNet.ParameterCount, p.IterSize);
        _testPositions = new long[TestNets.Count];
        if (resumeFrom is not null) Restore(resumeFrom, resume);
    }

    public Net TrainNet { get; }

    public IReadOnlyList<Net> TestNets { get; }

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
        int start = Iteration;
        Step(P.MaxIter - Iteration, start, cancellation);
        if (P.SnapshotAfterTrain && (P.Snapshot == 0 || Iteration % P.Snapshot != 0)) Snapshot();
        if (cancellation.IsCancellationRequested)
        {
            _observer.OnMessage("Optimization stopped early.");
            return;
        }
        if (P.Display > 0 && Iteration % P.Display == 0)
        {
            // Caffe's extra forward pass after the last update, to display the final train loss.
            TrainNet.SetDataPosition((long)Iteration * P.IterSize * TrainNet.BatchSize);
            UpdateSmoothedLoss(TrainNet.Forward(), start);
            _observer.OnMessage($"Iteration {Iteration}, loss = {_smoothedLoss}");
        }
        if (P.TestInterval > 0 && Iteration % P.TestInterval == 0) TestAll();
        _observer.OnMessage("Optimization Done.");
    }

    private void Step(int iterations, int start, CancellationToken cancellation)
    {
        int stop = Iteration + iterations;
        int samplesPerIteration = TrainNet.BatchSize * P.IterSize;
        var clock = Stopwatch.StartNew();
        int iterationsSinceDisplay = 0;
        while (Iteration < stop && !cancellation.IsCancellationRequested)
        {
            if (P.TestInterval > 0 && Iteration % P.TestInterval == 0 && (Iteration > 0 || P.TestInitialization)) TestAll();
            bool display = P.Display > 0 && Iteration % P.Display == 0;

            float loss = RunUnits(Iteration);
            UpdateSmoothedLoss(loss, start);
            var outputs = display ? ReadOutputs(TrainNet) : [];
            float rate = Solver.ApplyUpdate(Iteration, _tree.Complete());
            iterationsSinceDisplay++;
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            _observer.OnIteration(new IterationReport(Iteration, P.MaxIter, _smoothedLoss, rate,
                iterationsSinceDisplay * samplesPerIteration / seconds, iterationsSinceDisplay / seconds, display, outputs));
            if (display)
            {
                clock.Restart();
                iterationsSinceDisplay = 0;
            }
            Iteration++;
            if (P.Snapshot > 0 && Iteration % P.Snapshot == 0) Snapshot();
        }
    }

    /// <summary>The iteration's units in index order, summed along the tree; returns the mean unit loss.</summary>
    private float RunUnits(int iteration)
    {
        _tree.Reset();
        float loss = 0f;
        for (int unit = 0; unit < P.IterSize; unit++)
        {
            long position = ((long)iteration * P.IterSize + unit) * TrainNet.BatchSize;
            loss += TrainNet.ForwardBackward(position);
            _tree.Add(unit, TrainNet.ParameterDiff);
        }
        return loss / P.IterSize;
    }

    // Caffe's UpdateSmoothedLoss: the mean of the last average_loss losses.
    private void UpdateSmoothedLoss(float loss, int start)
    {
        int window = P.AverageLoss;
        if (_losses.Count < window)
        {
            _losses.Add(loss);
            _smoothedLoss = (_smoothedLoss * (_losses.Count - 1) + loss) / _losses.Count;
        }
        else
        {
            int index = (Iteration - start) % window;
            _smoothedLoss += (loss - _losses[index]) / window;
            _losses[index] = loss;
        }
    }

    private static List<OutputValue> ReadOutputs(Net net) =>
        [.. net.Outputs.SelectMany(o => net.ReadValues(o.Blob).Select(v => new OutputValue(o.Name, v, o.LossWeight)))];

    public void TestAll()
    {
        for (int i = 0; i < TestNets.Count; i++) Test(i);
    }

    /// <summary>Caffe's Solver::Test: test_iter forward passes, each output averaged over them.</summary>
    public TestReport Test(int index)
    {
        var net = TestNets[index];
        _observer.OnMessage($"Iteration {Iteration}, Testing net (#{index})");
        var report = Evaluate(net, P.TestIter[index], ref _testPositions[index], P.TestComputeLoss, Iteration, index);
        _observer.OnTest(report);
        return report;
    }

    /// <summary>Runs <paramref name="iterations"/> forward passes from <paramref name="position"/> and averages every output.</summary>
    public static TestReport Evaluate(Net net, int iterations, ref long position, bool computeLoss, int iteration, int index)
    {
        float[]? sums = null;
        List<OutputValue> first = [];
        float loss = 0f;
        for (int i = 0; i < iterations; i++)
        {
            net.SetDataPosition(position);
            loss += net.Forward();
            position += net.BatchSize;
            var outputs = ReadOutputs(net);
            if (sums is null)
            {
                sums = new float[outputs.Count];
                first = outputs;
            }
            for (int k = 0; k < outputs.Count; k++) sums[k] += outputs[k].Value;
        }
        var means = first.Select((o, k) => o with { Value = sums![k] / iterations }).ToList();
        return new TestReport(iteration, index, means, computeLoss ? loss / iterations : null);
    }

    public SnapshotFiles Snapshot()
    {
        var files = SnapshotStore.FilesFor(_definition.SnapshotPrefix, Iteration);
        SnapshotStore.Write(files, TrainNet.ToProto(P.SnapshotDiff), Solver.ToState(Iteration, files.Model),
            new ResumeState(ResumeState.CurrentFormat, Iteration, RandomSeed, _testPositions));
        _observer.OnSnapshot(files);
        return files;
    }
}
