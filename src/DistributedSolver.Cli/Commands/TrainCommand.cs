using System.CommandLine;
using DistributedSolver.Cli.Output;
using DistributedSolver.Training;

namespace DistributedSolver.Cli.Commands;

/// <summary><c>dsolver train</c>: Caffe's <c>caffe train</c> in one process.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var solver = new Option<FileInfo>("--solver") { Description = "solver.prototxt", Required = true };
        var snapshot = new Option<FileInfo?>("--snapshot") { Description = "resume from a .solverstate" };
        var weights = new Option<FileInfo?>("--weights") { Description = "start from the weights of a .caffemodel" };
        var command = new Command("train", "Train a net from a solver.prototxt")
        {
            solver, snapshot, weights, CommonOptions.Device, CommonOptions.Threads, CommonOptions.Gemm,
        };
        command.SetAction(result => UserErrors.Run(() => Run(
            result.GetRequiredValue(solver).FullName, result.GetValue(snapshot)?.FullName,
            result.GetValue(weights)?.FullName, result)));
        return command;
    }

    private static int Run(string solverPath, string? snapshot, string? weights, ParseResult result)
    {
        if (snapshot is not null && weights is not null)
            throw new UsageException("give either --snapshot or --weights, not both");
        var definition = TrainingDefinition.Load(solverPath);
        using var console = ConsoleReporter.Create();
        using var backend = CommonOptions.OpenBackend(result, definition.Solver, console.OnMessage);
        string metricsPath = definition.SnapshotPrefix + "_metrics.jsonl";
        using var metrics = new MetricsLog(metricsPath, append: snapshot is not null);
        console.OnMessage($"Metrics: {metricsPath}");
        var trainer = new Trainer(definition, backend, new CompositeObserver(console, metrics), resumeFrom: snapshot);
        if (weights is not null) trainer.LoadWeights(weights);

        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler stop = (_, e) =>
        {
            // Caffe's SIGINT: finish the iteration, snapshot, stop.
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += stop;
        try
        {
            console.Run(trainer.Iteration, definition.Solver.MaxIter, () => trainer.Solve(cancellation.Token));
        }
        finally
        {
            Console.CancelKeyPress -= stop;
        }
        return cancellation.IsCancellationRequested ? 130 : 0;
    }
}
