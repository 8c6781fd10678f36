using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using DistributedSolver.Snapshots;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Training.TrainingFixture;

namespace DistributedSolver.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-trainer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Prefix(string name) => Path.Combine(_directory, name);

    private static float[] Weights(Trainer trainer) => trainer.TrainNet.ReadValues(trainer.TrainNet.Parameters[0].Blob)
        .Concat(trainer.TrainNet.Parameters.Skip(1).SelectMany(p => trainer.TrainNet.ReadValues(p.Blob))).ToArray();

    [Theory]
    [InlineData(GemmProvider.Auto)]
    [InlineData(GemmProvider.Managed)]
    public void A_units_gradient_has_the_same_bits_whatever_the_thread_setting(GemmProvider gemm)
    {
        // The example's shapes (784-512-512-10 would be slow here; 784-512-10 exercises the same GEMM tiles).
        float[] UnitGradient(int threads)
        {
            using var backend = CreateBackend(threads, gemm);
            var trainer = new Trainer(Definition(Solver(1), Mlp(batch: 64, hidden: 512), Prefix("t")), backend, new RecordingObserver());
            trainer.TrainNet.ForwardBackward(position: 640);
            var values = new float[trainer.TrainNet.ParameterCount];
            backend.Download(trainer.TrainNet.ParameterDiff, values);
            return values;
        }
        var one = UnitGradient(1);
        var two = UnitGradient(2);
        Assert.Contains(one, v => v != 0f);
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Iter_size_4_at_batch_16_ends_within_rounding_of_iter_size_1_at_batch_64()
    {
        float[] Train(int batch, int iterSize)
        {
            using var backend = CreateBackend();
            var trainer = new Trainer(Definition(Solver(20, iterSize), Mlp(batch), Prefix($"b{batch}")), backend, new RecordingObserver());
            trainer.Solve();
            return Weights(trainer);
        }
        var whole = Train(64, 1);
        var accumulated = Train(16, 4);
        double maxDifference = whole.Zip(accumulated, (a, b) => Math.Abs(a - b)).Max();
        double maxWeight = whole.Max(Math.Abs);
        Assert.True(maxDifference <= 1e-5 * maxWeight, $"max |Δw| = {maxDifference} (max |w| = {maxWeight})");
        Assert.NotEqual(whole, Train(64, 2)); // and the comparison can fail: a different schedule differs
    }

    public static TheoryData<string, int> Rules() => new()
    {
        { "SGD", 1 }, { "SGD L1", 1 }, { "Nesterov", 1 }, { "AdaGrad", 1 }, { "AdaGrad Keras", 1 }, { "RMSProp", 1 },
        { "AdaDelta", 2 }, { "Adam", 2 }, { "Adam amsgrad", 3 },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void A_run_stopped_and_resumed_ends_with_the_same_bits_as_an_uninterrupted_one(string rule, int historySets)
    {
        SolverParameter Solver(int maxIter) => WithRule(TrainingFixture.Solver(maxIter, testInterval: 10), rule);
        using var backend = CreateBackend();
        var straightObserver = new RecordingObserver();
        var straight = new Trainer(Definition(Solver(30), Mlp(32), Prefix("straight")), backend, straightObserver);
        straight.Solve();

        var first = new Trainer(Definition(Solver(12), Mlp(32), Prefix("resumed")), backend, new RecordingObserver());
        first.Solve();
        var snapshot = SnapshotStore.Newest(Prefix("resumed"));
        Assert.NotNull(snapshot);
        Assert.Equal(12, snapshot.Iteration);
        // Caffe's layout: history set after set, each set one blob per parameter in the net's order.
        var history = SolverState.Parser.ParseFrom(File.ReadAllBytes(snapshot.State)).History;
        var parameters = first.TrainNet.Parameters;
        Assert.Equal(historySets * parameters.Count, history.Count);
        for (int i = 0; i < history.Count; i++)
            Assert.Equal(parameters[i % parameters.Count].Blob.Shape.Select(d => (long)d), history[i].Shape.Dim);

        var observer = new RecordingObserver();
        var second = new Trainer(Definition(Solver(30), Mlp(32), Prefix("resumed")), backend, observer, resumeFrom: snapshot.State);
        Assert.Equal(12, second.Iteration);
        second.Solve();

        Assert.Equal(Weights(straight).Select(BitConverter.SingleToInt32Bits), Weights(second).Select(BitConverter.SingleToInt32Bits));
        // The .caffemodel holds the net definition and blobs only: the two files are byte-identical.
        Assert.Equal(File.ReadAllBytes(SnapshotStore.FilesFor(Prefix("straight"), 30).Model),
            File.ReadAllBytes(SnapshotStore.FilesFor(Prefix("resumed"), 30).Model));
        Assert.Equal([20, 30], observer.Tests.Select(t => t.Iteration));
        // The test passes after the resume saw the same test batches as the uninterrupted run's.
        Assert.Equal(straightObserver.Tests.Where(t => t.Iteration >= 20).Select(t => t.Outputs), observer.Tests.Select(t => t.Outputs));
    }

    [Fact]
    public void An_unset_random_seed_resumes_with_the_seed_the_snapshot_recorded()
    {
        // Gaussian DummyData draws from the run's seed: a resume with another seed would train on other data.
        var net = PrototxtParser.Parse<NetParameter>("""
            name: "noise"
            layer { name: "in" type: "DummyData" top: "x" top: "label"
                    dummy_data_param { shape { dim: 8 dim: 5 } shape { dim: 8 } data_filler { type: "gaussian" } data_filler { type: "constant" value: 1 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            """, "noise.prototxt");
        SolverParameter Unseeded(int maxIter)
        {
            var solver = Solver(maxIter, snapshot: 4);
            solver.RandomSeed = -1;
            solver.TestIter.Clear();
            return solver;
        }
        using var backend = CreateBackend();
        var straight = new Trainer(new TrainingDefinition(Unseeded(8), net, [], RepoPaths.Root, Prefix("seed")), backend, new RecordingObserver());
        straight.Solve();
        var resumed = new Trainer(new TrainingDefinition(Unseeded(8), net, [], RepoPaths.Root, Prefix("seed-resumed")), backend,
            new RecordingObserver(), resumeFrom: SnapshotStore.FilesFor(Prefix("seed"), 4).State);
        resumed.Solve();
        Assert.Equal(straight.RandomSeed, resumed.RandomSeed);
        Assert.Equal(Weights(straight), Weights(resumed));
    }

    [Fact]
    public void Snapshots_are_Caffe_protos_with_the_nets_blobs_and_history()
    {
        using var backend = CreateBackend();
        var observer = new RecordingObserver();
        var trainer = new Trainer(Definition(Solver(10, snapshot: 5), Mlp(16), Prefix("s")), backend, observer);
        trainer.Solve();
        Assert.Equal([5, 10], observer.Snapshots.Select(s => s.Iteration));

        var files = observer.Snapshots[^1];
        var model = NetParameter.Parser.ParseFrom(File.ReadAllBytes(files.Model));
        Assert.Equal(["data", "ip1", "relu1", "ip2", "loss"], model.Layer.Select(l => l.Name));
        var ip1 = model.Layer.Single(l => l.Name == "ip1");
        Assert.Equal([64L, 784L], ip1.Blobs[0].Shape.Dim);
        Assert.Equal([64L], ip1.Blobs[1].Shape.Dim);
        Assert.Equal(Weights(trainer).Take(64 * 784), ip1.Blobs[0].Data.Take(64 * 784));

        var state = SolverState.Parser.ParseFrom(File.ReadAllBytes(files.State));
        Assert.Equal(10, state.Iter);
        Assert.Equal(files.Model, state.LearnedNet);
        Assert.Equal(4, state.History.Count);
        Assert.Contains(state.History[0].Data, v => v != 0f);
        Assert.Empty(Directory.EnumerateFiles(_directory, "*.tmp-*"));
    }

    [Fact]
    public void The_subset_trains_to_a_useful_accuracy()
    {
        using var backend = CreateBackend();
        var observer = new RecordingObserver();
        var solver = Solver(300, testInterval: 300);
        solver.TestIter[0] = 10;
        var trainer = new Trainer(Definition(solver, Mlp(64), Prefix("acc")), backend, observer);
        trainer.Solve();
        var accuracy = observer.Tests[^1].Outputs.Single(o => o.Name == "accuracy").Value;
        Assert.True(accuracy >= 0.70f, $"accuracy {accuracy} after 300 iterations on the 6000-sample subset");
    }
}
