using Akka.Event;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Snapshots;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

/// <summary>
/// DESIGN.md's contract on real actor systems: a coordinator, a parameter server and N workers end
/// with the bits of <c>dsolver train</c> — the same weights, the same displayed losses and test
/// outputs — for any N and across the death of a worker.
/// </summary>
public sealed class DistributedTrainingMultiNodeTests(ITestOutputHelper output) : MultiNodeTest(output), IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-distributed-").FullName;

    public new void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        base.Dispose();
    }

    private TrainingDefinition Definition(string name, int snapshot = 0, int maxIter = 12) =>
        TrainingRuns.Mlp(Path.Combine(_directory, name), maxIter, iterSize: 4, display: 3, testInterval: 6, snapshot: snapshot);

    private static (RecordingObserver Observer, NetParameterBlobs Weights) TrainInOneProcess(TrainingDefinition definition)
    {
        var observer = new RecordingObserver();
        using var backend = TrainingFixture.CreateBackend(threads: 1);
        new Trainer(definition, backend, observer).Solve();
        return (observer, NetParameterBlobs.Read(observer.Snapshots[^1].Model));
    }

    /// <param name="backups">False: no backup copies, so a dead worker's work completes only by being sent again.</param>
    private (ClusterNode Coordinator, Task<TrainingOutcome> Outcome) StartCoordinator(TrainingDefinition definition, ITrainingObserver observer,
        int minWorkers, bool resume = false, bool backups = true)
    {
        var outcome = new TaskCompletionSource<TrainingOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = Nodes.StartCoordinator();
        var settings = TrainingRuns.Coordinator(node.Settings, definition, observer, o => outcome.TrySetResult(o), resume: resume) with { MinWorkers = minWorkers };
        if (!backups) settings = TrainingRuns.WithoutBackups(settings);
        node.StartCoordinatorSingleton(CoordinatorActor.Props(settings));
        return (node, outcome.Task);
    }

    /// <summary>
    /// Trains <paramref name="define"/>("single") in one process and ("cluster") on
    /// <paramref name="workers"/> workers, asserts the run succeeded with the same final weights,
    /// and returns both observers for the test's own checks.
    /// </summary>
    private async Task<(RecordingObserver Reference, RecordingObserver Cluster, TrainingOutcome Outcome)> TrainBothWays(Func<string, TrainingDefinition> define, int workers)
    {
        var (reference, referenceWeights) = TrainInOneProcess(define("single"));
        var observer = new RecordingObserver();
        var definition = define("cluster");
        var (_, outcome) = StartCoordinator(definition, observer, workers);
        StartWorkers(definition, workers);

        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(referenceWeights, NetParameterBlobs.Read(observer.Snapshots[^1].Model));
        return (reference, observer, result);
    }

    private List<ClusterNode> StartWorkers(TrainingDefinition definition, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var node = Nodes.StartWorker();
            TrainingRuns.StartWorker(node, definition, $"worker-{i}");
            return node;
        })];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task MultiNode_n_workers_end_with_the_bits_of_one_process(int workers)
    {
        var (reference, observer, result) = await TrainBothWays(name => Definition(name), workers);
        Assert.Equal(12, result.Iteration);
        Assert.All(observer.Iterations, r => Assert.Equal(workers, r.LiveWorkers));
        Assert.Equal(reference.Iterations.Select(r => (r.Iteration, r.SmoothedLoss, r.LearningRate)),
            observer.Iterations.Select(r => (r.Iteration, r.SmoothedLoss, r.LearningRate)));
        Assert.Equal(reference.Iterations.SelectMany(r => r.Outputs), observer.Iterations.SelectMany(r => r.Outputs));
        Assert.Equal(reference.Tests.Select(t => (t.Iteration, t.Loss)), observer.Tests.Select(t => (t.Iteration, t.Loss)));
        Assert.Equal(reference.Tests.SelectMany(t => t.Outputs), observer.Tests.SelectMany(t => t.Outputs));
        Assert.Equal(reference.Messages.Where(m => m.StartsWith("Iteration 12", StringComparison.Ordinal)),
            observer.Messages.Where(m => m.StartsWith("Iteration 12", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MultiNode_Tls_two_workers_over_tls_end_with_the_bits_of_one_process()
    {
        using var certificates = new TestCertificates();
        UseSettings(certificates.On(LocalCluster.Fast));
        var (_, observer, result) = await TrainBothWays(name => Definition(name), 2);
        Assert.Equal(12, result.Iteration);
        Assert.All(observer.Iterations, r => Assert.Equal(2, r.LiveWorkers));
        Assert.All(Nodes.Nodes, n => Assert.Equal("akka.trttl.ssl.tcp", n.Cluster.SelfAddress.Protocol));
    }

    [Theory]
    [InlineData("SGD", "step", "L1")]
    [InlineData("Nesterov", "exp", "L2")]
    [InlineData("AdaGrad", "inv", "L2")]
    [InlineData("AdaDelta", "multistep", "L2")]
    [InlineData("Adam", "poly", "L2")]
    [InlineData("Adam+amsgrad", "fixed", "L1")]
    [InlineData("RMSProp", "sigmoid", "L2")]
    public async Task MultiNode_every_solver_and_lr_policy_gives_the_bits_of_one_process(string type, string policy, string regularization)
    {
        // Each case names a solver type and an lr_policy, so together they cover every one of both;
        // clipping is on everywhere, so the parameter server's global norm is checked too.
        TrainingDefinition Define(string name)
        {
            var d = TrainingRuns.Mlp(Path.Combine(_directory, name), maxIter: 8, iterSize: 3, display: 4);
            var p = d.Solver;
            p.Type = type.Split('+')[0];
            p.Amsgrad = type.EndsWith("+amsgrad", StringComparison.Ordinal);
            p.LrPolicy = policy;
            p.Stepsize = 3;
            p.Stepvalue.Add(2);
            p.Stepvalue.Add(5);
            p.Gamma = policy == "sigmoid" ? -0.5f : 0.5f;
            p.RegularizationType = regularization;
            p.ClipGradients = 0.5f;
            p.Momentum = type is "AdaGrad" or "RMSProp" ? 0f : type == "AdaDelta" ? 0.95f : 0.9f;
            p.BaseLr = type == "AdaDelta" ? 1f : type.StartsWith("Adam", StringComparison.Ordinal) || type == "RMSProp" ? 0.001f : 0.01f;
            return d;
        }
        var (reference, observer, _) = await TrainBothWays(Define, workers: 2);
        Assert.Equal(reference.Iterations.Select(r => (r.SmoothedLoss, r.LearningRate)), observer.Iterations.Select(r => (r.SmoothedLoss, r.LearningRate)));
        static float[] History(string state) => [.. SnapshotStore.ReadState(state).History.SelectMany(h => h.Data)];
        Assert.Equal(History(reference.Snapshots[^1].State), History(observer.Snapshots[^1].State));
    }

    [Fact]
    public async Task MultiNode_a_convolutional_net_with_dropout_gives_the_bits_of_one_process()
    {
        // Dropout draws its mask per unit: the same unit on another worker must draw the same one.
        TrainingDefinition Define(string name)
        {
            var net = DistributedSolver.Prototxt.PrototxtParser.Parse<DistributedSolver.Proto.NetParameter>($$"""
                name: "small-lenet"
                layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                        transform_param { scale: 0.00390625 } data_param { source: "{{DistributedSolver.Tests.RepoPaths.SubsetPrefix("train")}}" batch_size: 8 } }
                layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                        transform_param { scale: 0.00390625 } data_param { source: "{{DistributedSolver.Tests.RepoPaths.SubsetPrefix("t10k")}}" batch_size: 50 } }
                layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                        convolution_param { num_output: 4 kernel_size: 5 weight_filler { type: "xavier" } } }
                layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
                layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1" inner_product_param { num_output: 16 weight_filler { type: "xavier" } } }
                layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
                layer { name: "drop1" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: 0.5 } }
                layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
                layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy" include { phase: TEST } }
                layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
                """, "small-lenet.prototxt");
            var solver = TrainingFixture.Solver(maxIter: 6, iterSize: 3, testInterval: 3);
            solver.Display = 2;
            return TrainingFixture.Definition(solver, net, Path.Combine(_directory, name));
        }
        var (reference, observer, _) = await TrainBothWays(Define, workers: 2);
        Assert.Equal(reference.Tests.SelectMany(t => t.Outputs), observer.Tests.SelectMany(t => t.Outputs));
    }

    [Fact]
    public async Task MultiNode_a_net_of_more_buckets_than_a_send_queue_holds_gives_the_bits_of_one_process()
    {
        // Seven layers with parameters, a bucket each: more frames per version than a connection's
        // send queue holds, so the parameter server must feed each connection as it drains.
        TrainingDefinition Define(string name)
        {
            string hidden = string.Concat(Enumerable.Range(1, 6).Select(i => $$"""
                layer { name: "ip{{i}}" type: "InnerProduct" bottom: "{{(i == 1 ? "data" : $"ip{i - 1}")}}" top: "ip{{i}}" inner_product_param { num_output: 12 weight_filler { type: "xavier" } } }
                layer { name: "relu{{i}}" type: "ReLU" bottom: "ip{{i}}" top: "ip{{i}}" }

                """));
            var net = DistributedSolver.Prototxt.PrototxtParser.Parse<DistributedSolver.Proto.NetParameter>($$"""
                name: "deep-mlp"
                layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                        transform_param { scale: 0.00390625 } data_param { source: "{{DistributedSolver.Tests.RepoPaths.SubsetPrefix("train")}}" batch_size: 8 } }
                {{hidden}}
                layer { name: "ip7" type: "InnerProduct" bottom: "ip6" top: "ip7" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
                layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip7" bottom: "label" top: "loss" }
                """, "deep-mlp.prototxt");
            var solver = TrainingFixture.Solver(maxIter: 6, iterSize: 4);
            solver.Display = 2;
            solver.TestIter.Clear();
            return new TrainingDefinition(solver, net, [], DistributedSolver.Tests.RepoPaths.Root, Path.Combine(_directory, name));
        }
        var (reference, observer, _) = await TrainBothWays(Define, workers: 2);
        Assert.Equal(reference.Iterations.Select(i => i.SmoothedLoss), observer.Iterations.Select(i => i.SmoothedLoss));
    }

    [Fact]
    public async Task MultiNode_a_worker_cut_off_mid_run_is_replaced_and_the_weights_do_not_change()
    {
        var (_, referenceWeights) = TrainInOneProcess(Definition("single"));

        // The coordinator's observer holds iteration 3 until the test has cut a worker off, so the
        // share of iteration 4 sent to that worker must be sent again once Akka downs it (there
        // are no backup copies here), and so must its test batches at iteration 6.
        using var atCut = new SemaphoreSlim(0);
        using var cut = new SemaphoreSlim(0);
        var observer = new RecordingObserver { AfterIteration = r => { if (r.Iteration == 3) { atCut.Release(); cut.Wait(); } } };
        var definition = Definition("cluster");
        var (coordinator, outcome) = StartCoordinator(definition, observer, minWorkers: 3, backups: false);
        var victims = StartWorkers(definition, 3);

        Assert.True(await atCut.WaitAsync(TimeSpan.FromSeconds(60)), "the run never reached iteration 3");
        Nodes.AwaitAllUp(TimeSpan.FromSeconds(20));
        await Nodes.Isolate(victims[1]);
        cut.Release();

        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(referenceWeights, NetParameterBlobs.Read(observer.Snapshots[^1].Model));
        Nodes.AwaitRemoved(victims[1], coordinator, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task MultiNode_the_standby_resumes_from_the_newest_snapshot_when_the_active_coordinator_is_cut_off()
    {
        var (_, referenceWeights) = TrainInOneProcess(Definition("single", snapshot: 4));

        // The active coordinator snapshots at 4 and is cut off after iteration 6: the standby takes
        // the singleton over, resumes from iteration 4, and the workers follow it.
        using var atSix = new SemaphoreSlim(0);
        using var cut = new SemaphoreSlim(0);
        var active = new RecordingObserver { AfterIteration = r => { if (r.Iteration == 6) { atSix.Release(); cut.Wait(); } } };
        var standby = new RecordingObserver();
        var definition = Definition("cluster", snapshot: 4);
        var (activeNode, _) = StartCoordinator(definition, active, minWorkers: 2, resume: true);
        Nodes.AwaitAllUp();
        var (_, outcome) = StartCoordinator(definition, standby, minWorkers: 2, resume: true);
        StartWorkers(definition, 2);

        Assert.True(await atSix.WaitAsync(TimeSpan.FromSeconds(60)), "the run never reached iteration 6");
        // Every node must be Up, or the Split Brain Resolver cannot decide and downs them all.
        Nodes.AwaitAllUp(TimeSpan.FromSeconds(20));
        await Nodes.Isolate(activeNode);
        cut.Release();

        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(4, standby.Iterations[0].Iteration);
        Assert.Equal(referenceWeights, NetParameterBlobs.Read(standby.Snapshots[^1].Model));
    }

    [Fact]
    public async Task MultiNode_a_worker_that_joins_mid_run_takes_units_and_the_weights_do_not_change()
    {
        var (_, referenceWeights) = TrainInOneProcess(Definition("single", maxIter: 600));

        using var atThree = new SemaphoreSlim(0);
        using var joined = new SemaphoreSlim(0);
        var observer = new RecordingObserver { AfterIteration = r => { if (r.Iteration == 3) { atThree.Release(); joined.Wait(); } } };
        var definition = Definition("cluster", maxIter: 600);
        var (coordinator, outcome) = StartCoordinator(definition, observer, minWorkers: 1);
        StartWorkers(definition, 1);

        Assert.True(await atThree.WaitAsync(TimeSpan.FromSeconds(60)), "the run never reached iteration 3");
        var late = Nodes.StartWorker();
        Nodes.AwaitUp([late], [coordinator], TimeSpan.FromSeconds(20));
        TrainingRuns.StartWorker(late, definition, "late");
        joined.Release();

        var result = await outcome.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(referenceWeights, NetParameterBlobs.Read(observer.Snapshots[^1].Model));
        // Long enough for the late worker to register (through its proxy) and take units.
        Assert.Contains(observer.Iterations, r => r.LiveWorkers == 2);
    }

    [Fact]
    public async Task MultiNode_without_a_live_worker_the_run_fails_after_the_timeout_with_a_final_snapshot()
    {
        using var atThree = new SemaphoreSlim(0);
        using var cut = new SemaphoreSlim(0);
        var observer = new RecordingObserver { AfterIteration = r => { if (r.Iteration == 3) { atThree.Release(); cut.Wait(); } } };
        var definition = Definition("cluster");
        var outcome = new TaskCompletionSource<TrainingOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Nodes.StartCoordinator();
        coordinator.StartCoordinatorSingleton(CoordinatorActor.Props(
            TrainingRuns.Coordinator(coordinator.Settings, definition, observer, o => outcome.TrySetResult(o)) with { NoWorkerTimeout = TimeSpan.FromSeconds(2) }));
        var worker = StartWorkers(definition, 1)[0];

        Assert.True(await atThree.WaitAsync(TimeSpan.FromSeconds(60)), "the run never reached iteration 3");
        Nodes.AwaitAllUp(TimeSpan.FromSeconds(20));
        await Nodes.Isolate(worker);
        cut.Release();

        var result = await outcome.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(result.Succeeded);
        Assert.Contains("no live worker for 2 s", result.Message);
        Assert.Equal(4, result.Iteration);
        var snapshot = await WaitForSnapshot(4);
        Assert.True(File.Exists(snapshot.Model) && File.Exists(snapshot.State) && File.Exists(snapshot.Resume));
    }

    // The failure snapshot is written by the parameter server after the outcome is reported.
    private async Task<SnapshotFiles> WaitForSnapshot(int iteration)
    {
        var files = SnapshotStore.FilesFor(Path.Combine(_directory, "cluster"), iteration);
        await AwaitAssertAsync(() => Assert.True(File.Exists(files.Resume)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        return files;
    }

    [Fact]
    public async Task MultiNode_a_worker_with_another_net_is_refused_by_name_and_stops()
    {
        var other = TrainingFixture.Definition(TrainingRuns.Mlp(Path.Combine(_directory, "other"), 12, 4).Solver,
            TrainingFixture.Mlp(batch: 8, hidden: 17, testBatch: 50), Path.Combine(_directory, "other"));
        string reason = await RefusalOf(Definition("cluster"), other);
        Assert.Contains("ip1[0] 17×784", reason);
    }

    [Fact]
    public async Task MultiNode_a_worker_with_another_batch_size_is_refused_though_its_parameters_match()
    {
        // Same parameter shapes, other units: its gradients would fit and be wrong.
        var definition = Definition("cluster");
        var net = definition.TrainNet.Clone();
        var data = net.Layer.Single(l => l.Type == "Data" && l.Include.Any(r => r.Phase == DistributedSolver.Proto.Phase.Train)).DataParam;
        data.BatchSize += 1;
        string reason = await RefusalOf(definition, definition with { TrainNet = net });
        Assert.Contains($"; units of {data.BatchSize} samples", reason);
    }

    // A worker of <worker> beside a coordinator of <run>: the reason it stops with, which must be a refusal by name.
    private async Task<string> RefusalOf(TrainingDefinition run, TrainingDefinition worker)
    {
        StartCoordinator(run, new RecordingObserver(), minWorkers: 5);
        var stranger = Nodes.StartWorker();
        TrainingRuns.StartWorker(stranger, worker, "stranger");
        await stranger.System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
        var reason = Assert.IsType<WorkerRefusedReason>(Akka.Actor.CoordinatedShutdown.Get(stranger.System).ShutdownReason);
        Assert.Contains("worker stranger has another net", reason.Reason);
        return reason.Reason;
    }
}

/// <summary>The blobs of a .caffemodel as (layer, values) in file order: equal exactly when every weight has the same bits.</summary>
internal sealed record NetParameterBlobs(IReadOnlyList<(string Layer, float[] Values)> Blobs)
{
    public static NetParameterBlobs Read(string caffemodel) =>
        new([.. SnapshotStore.ReadModel(caffemodel).Layer.SelectMany(l => l.Blobs.Select(b => (l.Name, b.Data.ToArray())))]);

    public bool Equals(NetParameterBlobs? other) =>
        other is not null && Blobs.Count == other.Blobs.Count
        && Blobs.Zip(other.Blobs).All(p => p.First.Layer == p.Second.Layer && p.First.Values.AsSpan().SequenceEqual(p.Second.Values));

    public override int GetHashCode() => Blobs.Count;
}
