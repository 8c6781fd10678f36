using System.Diagnostics;
using DistributedSolver.Training;

namespace DistributedSolver.Keras;

/// <summary>
/// Turns a training run's reports into Keras's epochs: the running mean of the loss and metrics
/// over the epoch's steps (what Keras's metrics accumulate and its bar shows), the validation
/// pass the schedule runs after each epoch (test_interval = steps per epoch), the
/// <see cref="History"/>, and the progress output.
/// </summary>
internal sealed class FitObserver(int stepsPerEpoch, int epochs, IReadOnlyList<string> names, bool validation, int verbose, TextWriter writer)
    : ITrainingObserver
{
    private readonly double[] _sums = new double[names.Count];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private float[] _means = [];
    private ProgressBar? _bar;

    public History History { get; } = new();

    public void OnIteration(IterationReport report)
    {
        int epoch = report.Iteration / stepsPerEpoch, step = report.Iteration % stepsPerEpoch + 1;
        if (step == 1)
        {
            Array.Clear(_sums);
            if (verbose > 0 && epochs > 1) writer.WriteLine($"Epoch {epoch + 1}/{epochs}");
            _bar = verbose > 0 ? new ProgressBar(stepsPerEpoch, verbose, writer, dynamic: !Console.IsOutputRedirected, () => _clock.Elapsed.TotalSeconds) : null;
        }
        for (int k = 0; k < names.Count; k++) _sums[k] += Value(report.Outputs, names[k]);
        _means = [.. _sums.Select(s => (float)(s / step))];
        if (step < stepsPerEpoch) _bar?.Update(step, Shown([]));
        else if (!validation) EndEpoch([]);
    }

    public void OnTest(TestReport report) => EndEpoch([.. names.Select(n => ("val_" + n, Value(report.Outputs, n)))]);

    public void OnMessage(string message)
    {
    }

    public void OnSnapshot(SnapshotFiles files)
    {
    }

    private void EndEpoch(IReadOnlyList<(string Name, float Value)> validationValues)
    {
        var shown = Shown(validationValues);
        foreach (var (name, value) in shown) History.Add(name, value);
        _bar?.Update(stepsPerEpoch, shown);
    }

    private List<(string Name, float Value)> Shown(IReadOnlyList<(string Name, float Value)> validationValues) =>
        [.. names.Select((n, k) => (n, _means[k])), .. validationValues];

    private static float Value(IReadOnlyList<OutputValue> outputs, string name) => outputs.First(o => o.Name == name).Value;
}
