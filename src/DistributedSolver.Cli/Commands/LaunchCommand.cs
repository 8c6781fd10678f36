using System.CommandLine;
using System.Runtime.InteropServices;
using DistributedSolver.Cli.Launch;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Training;

namespace DistributedSolver.Cli.Commands;

/// <summary>
/// <c>dsolver launch</c>: a local cluster on 127.0.0.1, a coordinator (and a standby) and N worker
/// processes of this same dsolver, supervised until training is over.
/// </summary>
internal static class LaunchCommand
{
    /// <summary>Ctrl-C, as <c>dsolver train</c> (and Caffe) exit on SIGINT.</summary>
    private const int Interrupted = 130;

    /// <summary>SIGTERM (128 + 15), the shells' code for a process ended by it.</summary>
    private const int Terminated = 143;

    public static Command Create()
    {
        var workers = new Option<int>("--workers") { Description = "worker processes to start", Required = true };
        var standby = new Option<bool>("--standby") { Description = "also start a standby coordinator that takes over if the active one dies" };
        var solver = new Option<FileInfo>("--solver") { Description = "solver.prototxt", Required = true };
        var port = new Option<int?>("--port") { Description = "the coordinator's Akka.Remote port (default: a free one)" };
        var command = new Command("launch", "Train on a local cluster: a coordinator and N worker processes on 127.0.0.1")
        {
            workers, standby, solver, port, NodeCommands.BucketKb, CommonOptions.Device, CommonOptions.Threads, CommonOptions.Gemm,
        };
        command.SetAction(result => UserErrors.Run(() => Run(new LaunchRequest(
            result.GetRequiredValue(solver).FullName, result.GetValue(workers), result.GetValue(standby), result.GetValue(port),
            // Passed on only when given: a worker picks its own default.
            Given(result, CommonOptions.Threads) ? result.GetValue(CommonOptions.Threads) : null,
            Given(result, CommonOptions.Gemm) ? result.GetValue(CommonOptions.Gemm) : null,
            Given(result, NodeCommands.BucketKb) ? result.GetValue(NodeCommands.BucketKb) : null,
            result.GetValue(CommonOptions.Device)))));
        return command;
    }

    private static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static int Run(LaunchRequest request)
    {
        if (request.Workers < 1) throw new UsageException($"--workers must be at least 1, got {request.Workers}");
        if (request.Port is < 1 or > 65535) throw new UsageException($"--port must be a TCP port (1-65535), got {request.Port}");
        if (request.BucketKb is { } kb) NodeCommands.MinBucketBytes(kb);
        // Bad input is named here, once, instead of by every child after it started.
        TrainingDefinition.Load(request.SolverPath);

        string token = LaunchPlan.ClusterToken(Environment.GetEnvironmentVariable(NodeSettings.Variables.ClusterToken));
        var children = LaunchPlan.Create(request, DsolverExecutable.Current(), token, LaunchPlan.FreePorts);
        using var group = new ProcessGroup(children, new LaunchLimits(), Console.Out, Console.Error);
        // Either signal becomes SIGTERM to every child: a graceful leave, the coordinator snapshots.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => Stop(signal, group, Interrupted));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => Stop(signal, group, Terminated));
        return group.RunAsync().GetAwaiter().GetResult();
    }

    private static void Stop(PosixSignalContext signal, ProcessGroup group, int exitCode)
    {
        // Not the runtime's default (exit at once): the launcher ends after its children.
        signal.Cancel = true;
        group.Stop(exitCode);
    }
}
