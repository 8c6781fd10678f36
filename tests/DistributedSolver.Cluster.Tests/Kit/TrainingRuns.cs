using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Tests.Kit;

/// <summary>Small training runs for cluster tests: the MLP of the core's tests over the shipped Fashion-MNIST subset.</summary>
internal static class TrainingRuns
{
    public static TrainingDefinition Mlp(string prefix, int maxIter, int iterSize, int display = 0, int testInterval = 0, int snapshot = 0)
    {
        var solver = TrainingFixture.Solver(maxIter, iterSize, snapshot, testInterval);
        solver.Display = display;
        return TrainingFixture.Definition(solver, TrainingFixture.Mlp(batch: 8, hidden: 16, testBatch: 50), prefix);
    }

    /// <summary>Coordinator settings over <paramref name="definition"/> with a backend of one GEMM thread per process.</summary>
    public static CoordinatorSettings Coordinator(NodeSettings node, TrainingDefinition definition, ITrainingObserver observer,
        Action<TrainingOutcome>? finished = null, long? incarnation = null, bool resume = false)
    {
        var backend = TrainingFixture.CreateBackend(threads: 1);
        return new CoordinatorSettings(
            () => new Trainer(definition, backend, observer, resume ? Snapshots.SnapshotStore.Newest(definition.SnapshotPrefix)?.State : null),
            node, observer)
        {
            FixedIncarnation = incarnation,
            Finished = finished ?? (_ => { }),
            // One bucket per layer with parameters: the test nets are far below the 1 MB default,
            // and every distributed run here should cross the bucketed path.
            MinBucketBytes = 1,
        };
    }

    /// <summary>No backup copies: work of a dead worker completes only by being sent again.</summary>
    public static CoordinatorSettings WithoutBackups(CoordinatorSettings settings) =>
        settings with { InitialBackupDelay = TimeSpan.FromHours(1), MinBackupDelay = TimeSpan.FromHours(1) };

    /// <summary>A coordinator that never starts training (its minimum of workers is out of reach): for membership tests.</summary>
    public static CoordinatorSettings Idle(NodeSettings node, long incarnation) =>
        Coordinator(node, Mlp(Path.Combine(Path.GetTempPath(), "dsolver-idle"), maxIter: 1, iterSize: 1), new RecordingObserver(), incarnation: incarnation)
            with { MinWorkers = int.MaxValue };

    /// <summary>A worker actor on <paramref name="node"/> for <paramref name="definition"/>.</summary>
    public static Akka.Actor.IActorRef StartWorker(ClusterNode node, TrainingDefinition definition, string id)
    {
        var backend = TrainingFixture.CreateBackend(threads: 1);
        Replica Build(long seed) => new(definition, backend, seed, _ => { });
        return node.System.ActorOf(WorkerActor.Props(id, Build(0), Build, node.Settings, node.CoordinatorProxy()), "worker");
    }

    /// <summary>The net layout string a worker of the idle coordinator's net presents.</summary>
    public static string IdleLayout()
    {
        using var backend = TrainingFixture.CreateBackend(threads: 1);
        return new Replica(Mlp(Path.GetTempPath(), 1, 1), backend, 0, _ => { }).Layout;
    }

    /// <summary>
    /// A solver and net prototxt on disk for <c>dsolver</c> processes, the same run as <see cref="Mlp"/>
    /// (its test net included: registration compares test batch sizes); returns the solver's path.
    /// </summary>
    public static string WriteSolver(string directory, int maxIter, int iterSize, int snapshot = 0)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "net.prototxt"), TrainingFixture.MlpText(batch: 8, hidden: 16, testBatch: 50));
        string solver = Path.Combine(directory, "solver.prototxt");
        File.WriteAllText(solver, $$"""
            net: "net.prototxt"
            base_lr: 0.01 lr_policy: "inv" gamma: 0.0001 power: 0.75 momentum: 0.9 weight_decay: 0.0005
            max_iter: {{maxIter}} iter_size: {{iterSize}} display: 0 random_seed: 42 type: "SGD" snapshot: {{snapshot}} test_iter: 5
            snapshot_prefix: "{{Path.Combine(directory, "run")}}"
            """);
        return solver;
    }
}
