using System.Diagnostics;
using DistributedSolver.Proto;

namespace DistributedSolver.Training;

/// <summary>
/// Caffe's Solver::Solve and Step as a sequence of steps: test passes every test_interval (and
/// test_initialization), iterations, snapshots every snapshot and after training, the final
/// display pass, display with average_loss. It decides what runs when and reports to the observer;
/// an executor runs each step and answers with its result. <c>dsolver train</c> executes the steps
/// in one process and the cluster's coordinator executes them on workers, so both follow one
/// schedule.
/// </summary>
public sealed class TrainingSchedule
{
    private readonly SolverParameter _p;
    private readonly ITrainingObserver _observer;
    private readonly long[] _testPositions;
    private readonly IReadOnlyList<int> _testBatchSizes;
    private readonly int _samplesPerIteration;
    private readonly List<float> _losses = [];
    private readonly IEnumerator<ScheduleStep> _steps;
    private ScheduleStep? _awaiting;
    private TestReport? _testReport;
    private (float Loss, float Rate, IReadOnlyList<OutputValue> Outputs, int? LiveWorkers)? _iterationResult;
    private float? _forwardLoss;
    private float _smoothedLoss;
    private volatile bool _stopRequested;

    /// <param name="iteration">The iteration to start at (Caffe's iter_, after a resume).</param>
    /// <param name="testPositions">Where each test net's data continues (a resume restores them).</param>
    /// <param name="testBatchSizes">Each test net's batch size, by which a test batch moves its position.</param>
    public TrainingSchedule(SolverParameter p, ITrainingObserver observer, int iteration,
        IReadOnlyList<long> testPositions, IReadOnlyList<int> testBatchSizes, int samplesPerIteration)
    {
        if (testPositions.Count != p.TestIter.Count || testBatchSizes.Count != p.TestIter.Count)
            throw new ArgumentException($"{testPositions.Count} test positions and {testBatchSizes.Count} batch sizes for {p.TestIter.Count} test nets");
        _p = p;
        _observer = observer;
        Iteration = iteration;
        _testPositions = [.. testPositions];
        _testBatchSizes = testBatchSizes;
        _samplesPerIteration = samplesPerIteration;
        _steps = Solve().GetEnumerator();
    }

    /// <summary>The iteration about to run: the number of updates applied so far.</summary>
    public int Iteration { get; private set; }

    /// <summary>Where each test net's next batch starts.</summary>
    public IReadOnlyList<long> TestPositions => _testPositions;

    /// <summary>True once the schedule ended because <see cref="Stop"/> was called.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>Ends training after the running iteration (Caffe's SIGINT): a snapshot if snapshot_after_train, then nothing.</summary>
    public void Stop() => _stopRequested = true;

    /// <summary>The next step, or null when training is over.</summary>
    public ScheduleStep? Next()
    {
        if (_awaiting is { } step) throw new InvalidOperationException($"{step} has not been answered");
        return _steps.MoveNext() ? _steps.Current : null;
    }

    public void TestDone(TestReport report)
    {
        Answer<TestStep>();
        _testReport = report;
    }

    /// <param name="loss">The iteration's loss: the mean of its units' losses.</param>
    /// <param name="rate">The learning rate the update used.</param>
    /// <param name="outputs">The train net's outputs of the last unit, on display iterations.</param>
    /// <param name="liveWorkers">The cluster's live workers, when the iteration ran on a cluster.</param>
    public void IterationDone(float loss, float rate, IReadOnlyList<OutputValue> outputs, int? liveWorkers = null)
    {
        Answer<TrainStep>();
        _iterationResult = (loss, rate, outputs, liveWorkers);
    }

    public void DisplayForwardDone(float loss)
    {
        Answer<DisplayForwardStep>();
        _forwardLoss = loss;
    }

    /// <summary>The mean of an iteration's unit losses, added in unit order.</summary>
    public static float MeanLoss(ReadOnlySpan<float> unitLosses)
    {
        float sum = 0f;
        foreach (float loss in unitLosses) sum += loss;
        return sum / unitLosses.Length;
    }

    private void Answer<T>() where T : ScheduleStep
    {
        if (_awaiting is not T) throw new InvalidOperationException($"a {typeof(T).Name} answer, but the schedule awaits {_awaiting?.ToString() ?? "nothing"}");
        _awaiting = null;
    }

    private T Ask<T>(T step) where T : ScheduleStep
    {
        _awaiting = step;
        return step;
    }

    private IEnumerable<ScheduleStep> Solve()
    {
        int start = Iteration;
        var clock = Stopwatch.StartNew();
        int iterationsSinceDisplay = 0;
        while (Iteration < _p.MaxIter && !_stopRequested)
        {
            if (TestDue && (Iteration > 0 || _p.TestInitialization))
                foreach (var step in TestAll()) yield return step;
            bool display = _p.Display > 0 && Iteration % _p.Display == 0;
            yield return Ask(new TrainStep(Iteration, display));
            var (loss, rate, outputs, liveWorkers) = _iterationResult!.Value;
            UpdateSmoothedLoss(loss, start);
            iterationsSinceDisplay++;
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            _observer.OnIteration(new IterationReport(Iteration, _p.MaxIter, _smoothedLoss, rate,
                iterationsSinceDisplay * _samplesPerIteration / seconds, iterationsSinceDisplay / seconds, display, outputs, liveWorkers));
            if (display)
            {
                clock.Restart();
                iterationsSinceDisplay = 0;
            }
            Iteration++;
            if (_p.Snapshot > 0 && Iteration % _p.Snapshot == 0) yield return new SnapshotStep(Iteration);
        }
        if (_p.SnapshotAfterTrain && (_p.Snapshot == 0 || Iteration % _p.Snapshot != 0)) yield return new SnapshotStep(Iteration);
        if (_stopRequested)
        {
            StoppedEarly = true;
            _observer.OnMessage("Optimization stopped early.");
            yield break;
        }
        if (_p.Display > 0 && Iteration % _p.Display == 0)
        {
            yield return Ask(new DisplayForwardStep(Iteration));
            UpdateSmoothedLoss(_forwardLoss!.Value, start);
            _observer.OnMessage($"Iteration {Iteration}, loss = {_smoothedLoss}");
        }
        if (TestDue)
            foreach (var step in TestAll()) yield return step;
        _observer.OnMessage("Optimization Done.");
    }

    private bool TestDue => _p.TestInterval > 0 && Iteration % _p.TestInterval == 0;

    private IEnumerable<ScheduleStep> TestAll()
    {
        for (int i = 0; i < _p.TestIter.Count; i++)
        {
            _observer.OnMessage($"Iteration {Iteration}, Testing net (#{i})");
            yield return Ask(new TestStep(i, Iteration, _testPositions[i], _p.TestIter[i]));
            _testPositions[i] += (long)_p.TestIter[i] * _testBatchSizes[i];
            _observer.OnTest(_testReport!);
        }
    }

    // Caffe's UpdateSmoothedLoss: the mean of the last average_loss losses.
    private void UpdateSmoothedLoss(float loss, int start)
    {
        int window = _p.AverageLoss;
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
}
