using System.Globalization;
using DistributedSolver.Training;
using Spectre.Console;

namespace DistributedSolver.Cli.Output;

/// <summary>
/// Training progress for people: a live progress bar (loss, lr, samples/s) on a terminal, and
/// Caffe's log lines when the output is redirected to a file or a pipe.
/// </summary>
internal abstract class ConsoleReporter : ITrainingObserver, IDisposable
{
    public static ConsoleReporter Create() =>
        Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive
            ? new LogLineReporter(new CaffeLog(Console.Out))
            : new ProgressBarReporter();

    /// <summary>Runs the training with this reporter showing it.</summary>
    public abstract void Run(int startIteration, int maxIter, Action train);

    public abstract void OnMessage(string message);

    public abstract void OnIteration(IterationReport report);

    public abstract void OnTest(TestReport report);

    public void OnSnapshot(SnapshotFiles files) =>
        OnMessage($"Snapshotting to binary proto file {files.Model}, solver state to {files.State}");

    public virtual void Dispose()
    {
    }

    protected static IEnumerable<string> TestLines(TestReport r)
    {
        if (r.Loss is { } loss) yield return $"Test loss: {CaffeLog.Number(loss)}";
        for (int i = 0; i < r.Outputs.Count; i++) yield return CaffeLog.Output("Test", i, r.Outputs[i]);
    }

    protected static IEnumerable<string> IterationLines(IterationReport r)
    {
        // Inside the parentheses, which Caffe's log parsers skip.
        string workers = r.LiveWorkers is { } live ? $", {live} live workers" : "";
        yield return $"Iteration {r.Iteration} ({CaffeLog.Number(r.IterationsPerSecond)} iter/s, "
            + $"{r.SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture)} samples/s{workers}), loss = {CaffeLog.Number(r.SmoothedLoss)}";
        for (int i = 0; i < r.Outputs.Count; i++) yield return CaffeLog.Output("Train", i, r.Outputs[i]);
        yield return $"Iteration {r.Iteration}, lr = {CaffeLog.Number(r.LearningRate)}";
    }
}
