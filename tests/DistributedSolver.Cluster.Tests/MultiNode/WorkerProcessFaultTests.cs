using System.Diagnostics;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

/// <summary>
/// Real <c>dsolver worker</c> processes under an in-test coordinator: a worker killed with
/// <c>kill -9</c>, and a worker frozen with SIGSTOP (a straggler that is still a member). Both runs
/// end with the bits of <c>dsolver train</c>; the frozen one must not hold iterations up beyond the
/// backup bound.
/// </summary>
public sealed class WorkerProcessFaultTests : MultiNodeTest
{
    // Long enough that a frozen worker stays a member for the whole freeze: it is slow, not dead.
    private static readonly NodeSettings Patient = LocalCluster.Fast with
    {
        FaultInjection = false,
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(20),
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-process-faults-").FullName;

    public WorkerProcessFaultTests(ITestOutputHelper output) : base(output) => UseSettings(Patient);

    private (TrainingDefinition Definition, string Solver) Define(int maxIter)
    {
        string solver = TrainingRuns.WriteSolver(_directory, maxIter, iterSize: 4);
        return (TrainingDefinition.Load(solver), solver);
    }

    private static float[] TrainInOneProcess(TrainingDefinition definition)
    {
        using var backend = TrainingFixture.CreateBackend(threads: 1);
        var trainer = new Trainer(definition with { SnapshotPrefix = definition.SnapshotPrefix + "-single" }, backend, new RecordingObserver());
        trainer.Solve();
        var weights = new float[trainer.TrainNet.ParameterCount];
        backend.Download(trainer.TrainNet.ParameterData, weights);
        return weights;
    }

    private (Task<TrainingOutcome> Outcome, Func<float[]> Weights) StartCoordinator(TrainingDefinition definition, RecordingObserver observer, int workers, bool backups)
    {
        var outcome = new TaskCompletionSource<TrainingOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = Nodes.StartCoordinator();
        var settings = TrainingRuns.Coordinator(node.Settings, definition, observer, o => outcome.TrySetResult(o)) with
        {
            MinWorkers = workers,
            InitialBackupDelay = TimeSpan.FromMilliseconds(500),
            MinBackupDelay = TimeSpan.FromMilliseconds(100),
        };
        node.StartCoordinatorSingleton(CoordinatorActor.Props(backups ? settings : TrainingRuns.WithoutBackups(settings)));
        Nodes.AwaitAllUp();
        return (outcome.Task, () => NetParameterBlobs.Read(observer.Snapshots[^1].Model).Blobs.SelectMany(b => b.Values).ToArray());
    }

    private DsolverNodeProcess StartWorker(string solver, int index)
    {
        return StartProcess("worker", Patient, Nodes.Seeds, "--solver", solver, "--id", $"worker-{index}", "--threads", "1");
    }

    [Fact]
    public async Task MultiNode_a_worker_process_killed_mid_run_leaves_the_weights_unchanged()
    {
        var (definition, solver) = Define(maxIter: 10);
        var reference = TrainInOneProcess(definition);
        using var atThree = new SemaphoreSlim(0);
        using var killed = new SemaphoreSlim(0);
        var observer = new RecordingObserver { AfterIteration = r => { if (r.Iteration == 3) { atThree.Release(); killed.Wait(); } } };
        var (outcome, weights) = StartCoordinator(definition, observer, workers: 3, backups: false);
        var workers = Enumerable.Range(0, 3).Select(i => StartWorker(solver, i)).ToList();

        Assert.True(await atThree.WaitAsync(TimeSpan.FromSeconds(90)), "the run never reached iteration 3");
        workers[2].Kill();
        killed.Release();

        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(reference, weights());
    }

    [Fact]
    public async Task MultiNode_a_frozen_worker_process_gets_backup_copies_and_does_not_stall_the_run()
    {
        var (definition, solver) = Define(maxIter: 30);
        var reference = TrainInOneProcess(definition);
        using var atThree = new SemaphoreSlim(0);
        using var frozen = new SemaphoreSlim(0);
        using var atTwenty = new SemaphoreSlim(0);
        var observer = new RecordingObserver
        {
            AfterIteration = r =>
            {
                if (r.Iteration == 3) { atThree.Release(); frozen.Wait(); }
                if (r.Iteration == 20) atTwenty.Release();
            },
        };
        var (outcome, weights) = StartCoordinator(definition, observer, workers: 2, backups: true);
        var workers = Enumerable.Range(0, 2).Select(i => StartWorker(solver, i)).ToList();

        Assert.True(await atThree.WaitAsync(TimeSpan.FromSeconds(90)), "the run never reached iteration 3");
        Signal("STOP", workers[1]);
        var clock = Stopwatch.StartNew();
        frozen.Release();
        try
        {
            // 17 iterations with one worker frozen: each waits for the backup delay (a few hundred
            // ms at most here), far below the 20 s the frozen worker stays a member.
            Assert.True(await atTwenty.WaitAsync(TimeSpan.FromSeconds(15)), "iterations stalled behind the frozen worker");
            Output.WriteLine($"17 iterations with a frozen worker: {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            Signal("CONT", workers[1]);
        }
        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(reference, weights());
    }

    private static void Signal(string signal, DsolverNodeProcess process) =>
        Process.Start("kill", [$"-{signal}", process.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_directory, recursive: true);
    }
}
