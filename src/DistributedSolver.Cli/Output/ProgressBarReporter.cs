using DistributedSolver.Training;
using Spectre.Console;

namespace DistributedSolver.Cli.Output;

/// <summary>A live progress bar with loss, lr and samples/s, for a terminal.</summary>
internal sealed class ProgressBarReporter : ConsoleReporter
{
    private ProgressTask? _task;

    public override void Run(int startIteration, int maxIter, Action train) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _task = context.AddTask("starting", maxValue: Math.Max(maxIter, 1));
                _task.Value = startIteration;
                train();
                _task.Value = _task.MaxValue;
            });

    public override void OnMessage(string message) => AnsiConsole.MarkupLineInterpolated($"[grey]{message}[/]");

    public override void OnIteration(IterationReport r)
    {
        if (_task is null) return;
        _task.Value = r.Iteration + 1;
        _task.Description = $"iter {r.Iteration + 1}/{r.MaxIter}  loss {CaffeLog.Number(r.SmoothedLoss)}  "
            + $"lr {CaffeLog.Number(r.LearningRate)}  {r.SamplesPerSecond:F0} samples/s"
            + (r.LiveWorkers is { } workers ? $"  {workers} live workers" : "");
    }

    public override void OnTest(TestReport report)
    {
        foreach (var line in TestLines(report)) AnsiConsole.MarkupLineInterpolated($"[green]{line.Trim()}[/]");
    }
}
