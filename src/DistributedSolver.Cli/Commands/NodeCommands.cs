using System.CommandLine;
using Akka.Actor;
using DistributedSolver.Cli.Output;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Snapshots;
using DistributedSolver.Training;

namespace DistributedSolver.Cli.Commands;

/// <summary>
/// <c>dsolver coordinator</c> and <c>dsolver worker</c>: what each process (each pod) runs. A
/// coordinator runs the coordinator singleton (active, or standby until a hand-over) and exits when
/// the run ends: 0 when it completed, 1 when it failed. A worker computes until the coordinator
/// says the run is over (exit 0), or until it is refused or downed (exit 1, so a supervisor
/// restarts it). SIGTERM leaves the cluster gracefully (exit 0).
/// </summary>
internal static class NodeCommands
{
    private static readonly Option<FileInfo?> Solver = new("--solver") { Description = $"solver.prototxt (every node of a run reads the same; default: ${PodVariables.Solver})" };

    private static string SolverPath(ParseResult result) =>
        result.GetValue(Solver)?.FullName ?? PodVariables.Get(PodVariables.Solver)
        ?? throw new UsageException($"--solver (or {PodVariables.Solver}) is required");

    /// <summary>Also an option of <c>launch</c>, which passes it on to its coordinators.</summary>
    public static readonly Option<int> BucketKb = new("--bucket-kb")
    {
        Description = "least size of a gradient bucket in KiB: buckets after the first travel, sum and update while workers still compute backward (0: one bucket)",
        DefaultValueFactory = _ => 1024,
    };

    /// <summary>The coordinator's least bucket size in bytes for <c>--bucket-kb</c>.</summary>
    public static int MinBucketBytes(int kilobytes) =>
        kilobytes is < 0 or > 1 << 20 ? throw new UsageException($"--bucket-kb must be between 0 and {1 << 20}, got {kilobytes}")
        : kilobytes == 0 ? int.MaxValue
        : kilobytes * 1024;

    public static Command Coordinator()
    {
        var cluster = new ClusterOptions();
        var minWorkers = new Option<int?>("--min-workers") { Description = $"workers to wait for before the first iteration (default: ${PodVariables.MinWorkers}, else 1)" };
        var snapshotPrefix = new Option<string?>("--snapshot-prefix") { Description = $"where snapshots go, instead of the solver's snapshot_prefix (default: ${PodVariables.SnapshotPrefix})" };
        var resume = new Option<string>("--resume") { Description = "auto: resume from the newest complete snapshot under snapshot_prefix; none: start fresh", DefaultValueFactory = _ => "auto" };
        resume.AcceptOnlyFromAmong("auto", "none");
        var snapshot = new Option<FileInfo?>("--snapshot") { Description = "resume from this .solverstate (with --resume auto, a newer snapshot of the run wins)" };
        var command = new Command("coordinator", "Run a coordinator node (active or standby singleton: coordinator and parameter server)")
        {
            Solver, minWorkers, resume, snapshot, snapshotPrefix, BucketKb, CommonOptions.Device, CommonOptions.Threads, CommonOptions.Gemm,
        };
        cluster.AddTo(command);
        command.SetAction(result => UserErrors.Run(() =>
        {
            int leastWorkers = result.GetValue(minWorkers) ?? PodVariables.GetInt(PodVariables.MinWorkers) ?? 1;
            if (leastWorkers < 1) throw new UsageException($"--min-workers ({PodVariables.MinWorkers}) must be at least 1, got {leastWorkers}");
            int minBucketBytes = MinBucketBytes(result.GetValue(BucketKb));
            var settings = cluster.Settings(result, [ClusterRoles.Coordinator]);
            var definition = TrainingDefinition.Load(SolverPath(result));
            // In a pod the solver comes from a read-only ConfigMap and snapshots go to a volume.
            if ((result.GetValue(snapshotPrefix) ?? PodVariables.Get(PodVariables.SnapshotPrefix)) is { } prefix)
                definition = definition with { SnapshotPrefix = prefix };
            using var console = ConsoleReporter.Create();
            // The parameter server's solver updates run here: the same device choice as train's keeps their bits.
            using var backend = CommonOptions.OpenBackend(result, definition.Solver, console.OnMessage);
            using var metrics = new MetricsLog(definition.SnapshotPrefix + "_metrics.jsonl", append: true);
            var observer = new CompositeObserver(console, metrics);
            bool resumeAuto = result.GetValue(resume) == "auto";
            (int Iteration, string Path)? given = null;
            if (result.GetValue(snapshot) is { } file) given = (SnapshotStore.ReadState(file.FullName).Iter, file.FullName);
            // Each singleton start resumes from the newest state it can see: after a hand-over that
            // is the run's own latest snapshot, not the one the run began from.
            Trainer CreateTrainer()
            {
                var newest = resumeAuto ? SnapshotStore.Newest(definition.SnapshotPrefix) : null;
                string? from = given is { } g && (newest is null || g.Iteration >= newest.Iteration) ? g.Path : newest?.State;
                return new Trainer(definition, backend, observer, resumeFrom: from);
            }
            // Builds the nets once here, so a bad net fails this process with its message instead of
            // failing the singleton over and over.
            CreateTrainer();
            var outcome = new TaskCompletionSource<TrainingOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = ClusterNode.Start(settings);
            node.StartCoordinatorSingleton(CoordinatorActor.Props(new CoordinatorSettings(CreateTrainer, settings, observer)
            {
                MinWorkers = leastWorkers,
                MinBucketBytes = minBucketBytes,
                Finished = o => outcome.TrySetResult(o),
            }));
            Console.WriteLine($"node {node.Cluster.SelfAddress} with roles [{string.Join(", ", node.Settings.Roles)}]");
            int code = 0;
            console.Run(0, definition.Solver.MaxIter, () =>
            {
                if (Task.WaitAny(outcome.Task, node.WhenTerminated) == 0)
                {
                    var o = outcome.Task.Result;
                    code = o.Succeeded ? 0 : 1;
                    if (!o.Succeeded) Console.Error.WriteLine($"dsolver: error: training failed at iteration {o.Iteration}: {o.Message}");
                    node.AwaitWorkersLeavingAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
                    node.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                else code = ExitCode(node);
            });
            return code;
        }));
        return command;
    }

    public static Command Worker()
    {
        var cluster = new ClusterOptions();
        var id = new Option<string?>("--id") { Description = "worker name (default: host:port)" };
        var command = new Command("worker", "Run a worker node") { Solver, id, CommonOptions.Device, CommonOptions.Threads, CommonOptions.Gemm };
        cluster.AddTo(command);
        command.SetAction(result => UserErrors.Run(() =>
        {
            var settings = cluster.Settings(result, [ClusterRoles.Worker]) with { DataPlanePort = 0 };
            if (settings.Seeds.Count == 0) throw new UsageException("a worker needs at least one --seed host:port (or DSOLVER_SEEDS)");
            var definition = TrainingDefinition.Load(SolverPath(result));
            var log = new CaffeLog(Console.Out);
            var backend = CommonOptions.OpenBackend(result, definition.Solver, log.Write);
            Replica Build(long seed) => new(definition, backend, seed, log.Write);
            var replica = Build(Math.Max(0, definition.Solver.RandomSeed));
            var node = ClusterNode.Start(settings);
            string workerId = result.GetValue(id) ?? $"{settings.AdvertisedHost}:{node.Cluster.SelfAddress.Port}";
            node.System.ActorOf(WorkerActor.Props(workerId, replica, Build, settings, node.CoordinatorProxy()), "worker");
            Console.WriteLine($"node {node.Cluster.SelfAddress} with roles [{string.Join(", ", node.Settings.Roles)}]");
            node.WhenTerminated.GetAwaiter().GetResult();
            return ExitCode(node);
        }));
        return command;
    }

    private static int ExitCode(ClusterNode node)
    {
        // Left on purpose (SIGTERM, or the run is over) → 0; downed by the cluster, refused, or no
        // seed answered → 1, so a supervisor restarts it.
        var reason = CoordinatedShutdown.Get(node.System).ShutdownReason;
        switch (reason)
        {
            case CoordinatedShutdown.ClusterJoinUnsuccessfulReason:
                Console.Error.WriteLine($"dsolver: error: no seed node answered ({string.Join(", ", node.Settings.Seeds)}); check the seeds and that they are spelled as those nodes advertise themselves");
                return 1;
            case WorkerRefusedReason refused:
                Console.Error.WriteLine($"dsolver: error: {refused.Reason}");
                return 1;
        }
        Console.WriteLine($"node {node.Cluster.SelfAddress} stopped ({reason?.GetType().Name ?? "terminated"})");
        return reason is CoordinatedShutdown.ClusterDowningReason ? 1 : 0;
    }
}
