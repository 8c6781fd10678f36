using DistributedSolver.Backend.Cpu;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Training;

namespace DistributedSolver.Tests.Training;

/// <summary>Small solver and MLP definitions over the shipped Fashion-MNIST subset.</summary>
internal static class TrainingFixture
{
    public static NetParameter Mlp(int batch, int hidden = 64, int testBatch = 100) =>
        PrototxtParser.Parse<NetParameter>(MlpText(batch, hidden, testBatch), "mlp.prototxt");

    /// <summary>The MLP's net prototxt, for processes that read it from a file.</summary>
    public static string MlpText(int batch, int hidden = 64, int testBatch = 100) => $$"""
        name: "mlp"
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                transform_param { scale: 0.00390625 } data_param { source: "{{RepoPaths.SubsetPrefix("train")}}" batch_size: {{batch}} } }
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                transform_param { scale: 0.00390625 } data_param { source: "{{RepoPaths.SubsetPrefix("t10k")}}" batch_size: {{testBatch}} } }
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: {{hidden}} weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.01 } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy" include { phase: TEST } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """;

    public static SolverParameter Solver(int maxIter, int iterSize = 1, int snapshot = 0, int testInterval = 0) => new()
    {
        BaseLr = 0.01f, LrPolicy = "inv", Gamma = 1e-4f, Power = 0.75f, Momentum = 0.9f, WeightDecay = 5e-4f,
        MaxIter = maxIter, IterSize = iterSize, Snapshot = snapshot, Display = 0, RandomSeed = 42, Type = "SGD",
        TestInterval = testInterval, TestInitialization = false, TestIter = { 5 }, SnapshotAfterTrain = true,
    };

    /// <summary>The fixture's solver under another rule, at settings that train the MLP.</summary>
    public static SolverParameter WithRule(SolverParameter p, string rule)
    {
        switch (rule)
        {
            case "SGD":
                break;
            case "SGD L1":
                p.RegularizationType = "L1";
                break;
            case "Nesterov":
                p.Type = "Nesterov";
                break;
            case "AdaGrad" or "AdaGrad Keras" or "RMSProp":
                p.Type = rule == "RMSProp" ? "RMSProp" : "AdaGrad";
                p.Momentum = 0f;
                p.BaseLr = rule == "RMSProp" ? 0.001f : 0.01f;
                if (rule == "AdaGrad Keras")
                {
                    p.EpsilonPlacement = SolverParameter.Types.EpsilonPlacement.UnderRoot;
                    p.InitialAccumulatorValue = 0.1f;
                }
                break;
            case "AdaDelta":
                p.Type = "AdaDelta";
                p.BaseLr = 1f;
                p.Momentum = 0.95f;
                p.Delta = 1e-6f;
                break;
            case "Adam" or "Adam amsgrad":
                p.Type = "Adam";
                p.BaseLr = 0.001f;
                p.Amsgrad = rule == "Adam amsgrad";
                break;
            default:
                throw new ArgumentException($"no rule '{rule}'", nameof(rule));
        }
        return p;
    }

    public static TrainingDefinition Definition(SolverParameter solver, NetParameter net, string prefix) =>
        new(solver, net, [net], RepoPaths.Root, prefix);

    public static CpuBackend CreateBackend(int threads = 2, GemmProvider gemm = GemmProvider.Auto) =>
        new(new CpuBackendOptions { Threads = threads, Gemm = gemm });
}

/// <summary>Records what a run reports.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public List<string> Messages { get; } = [];
    public List<IterationReport> Iterations { get; } = [];
    public List<TestReport> Tests { get; } = [];
    public List<SnapshotFiles> Snapshots { get; } = [];

    public void OnMessage(string message) => Messages.Add(message);
    /// <summary>Runs after each iteration is recorded (a test may hold the run there).</summary>
    public Action<IterationReport> AfterIteration { get; init; } = _ => { };

    public void OnIteration(IterationReport report)
    {
        Iterations.Add(report);
        AfterIteration(report);
    }
    public void OnTest(TestReport report) => Tests.Add(report);
    public void OnSnapshot(SnapshotFiles files) => Snapshots.Add(files);
}
