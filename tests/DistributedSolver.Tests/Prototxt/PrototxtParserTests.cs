using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using Google.Protobuf;

namespace DistributedSolver.Tests.Prototxt;

public sealed class PrototxtParserTests
{
    // Caffe's examples/mnist/lenet_solver.prototxt.
    private const string LenetSolver = """
        # The train/test net protocol buffer definition
        net: "examples/mnist/lenet_train_test.prototxt"
        # test_iter specifies how many forward passes the test should carry out.
        # In the case of MNIST, we have test batch size 100 and 100 test iterations,
        # covering the full 10,000 testing images.
        test_iter: 100
        # Carry out testing every 500 training iterations.
        test_interval: 500
        # The base learning rate, momentum and the weight decay of the network.
        base_lr: 0.01
        momentum: 0.9
        weight_decay: 0.0005
        # The learning rate policy
        lr_policy: "inv"
        gamma: 0.0001
        power: 0.75
        # Display every 100 iterations
        display: 100
        # The maximum number of iterations
        max_iter: 10000
        # snapshot intermediate results
        snapshot: 5000
        snapshot_prefix: "examples/mnist/lenet"
        # solver mode: CPU or GPU
        solver_mode: GPU
        """;

    private const string MlpNet = """
        name: "MLP"  # a two-layer perceptron on MNIST
        layer {
          name: "mnist"
          type: "Data"
          top: "data"
          top: "label"
          include { phase: TRAIN }
          transform_param { scale: 0.00390625 }
          data_param { source: "data/mnist/train" batch_size: 64 backend: LMDB }
        }
        layer {
          name: "ip1"; type: "InnerProduct"; bottom: "data"; top: "ip1"
          param { lr_mult: 1 }
          param { lr_mult: 2 decay_mult: 0 }
          inner_product_param {
            num_output: 500
            weight_filler { type: "xavier" }
            bias_filler: { type: "constant" value: 0.1 }
          }
        }
        layer < name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" >
        layer {
          name: "loss"
          type: "SoftmaxWithLoss"
          bottom: ["ip1", "label"]
          top: "loss"
          loss_weight: 1
          exclude { phase: TEST stage: 'deploy' }
        }
        """;

    [Fact]
    public void LenetSolverParses()
    {
        var solver = PrototxtParser.Parse<SolverParameter>(LenetSolver, "lenet_solver.prototxt");

        Assert.Equal("examples/mnist/lenet_train_test.prototxt", solver.Net);
        Assert.Equal([100], solver.TestIter);
        Assert.Equal(500, solver.TestInterval);
        Assert.Equal(0.01f, solver.BaseLr);
        Assert.Equal(0.9f, solver.Momentum);
        Assert.Equal(0.0005f, solver.WeightDecay);
        Assert.Equal("inv", solver.LrPolicy);
        Assert.Equal(0.0001f, solver.Gamma);
        Assert.Equal(0.75f, solver.Power);
        Assert.Equal(100, solver.Display);
        Assert.Equal(10000, solver.MaxIter);
        Assert.Equal(5000, solver.Snapshot);
        Assert.Equal("examples/mnist/lenet", solver.SnapshotPrefix);
        Assert.Equal(SolverParameter.Types.SolverMode.Gpu, solver.SolverMode);
        Assert.True(solver.HasSolverMode);
        // Unset fields keep Caffe's defaults and stay unset.
        Assert.False(solver.HasIterSize);
        Assert.Equal(1, solver.IterSize);
        Assert.Equal("SGD", solver.Type);
        Assert.Equal(-1L, solver.RandomSeed);
    }

    [Fact]
    public void MlpNetParses()
    {
        var net = PrototxtParser.Parse<NetParameter>(MlpNet, "mlp.prototxt");

        Assert.Equal("MLP", net.Name);
        Assert.Equal(["mnist", "ip1", "relu1", "loss"], net.Layer.Select(l => l.Name));
        Assert.Equal(["Data", "InnerProduct", "ReLU", "SoftmaxWithLoss"], net.Layer.Select(l => l.Type));

        var data = net.Layer[0];
        Assert.Equal(["data", "label"], data.Top);
        Assert.Equal(Phase.Train, Assert.Single(data.Include).Phase);
        Assert.Equal(0.00390625f, data.TransformParam.Scale);
        Assert.Equal("data/mnist/train", data.DataParam.Source);
        Assert.Equal(64u, data.DataParam.BatchSize);
        Assert.Equal(DataParameter.Types.DB.Lmdb, data.DataParam.Backend);

        var ip = net.Layer[1];
        Assert.Equal(2, ip.Param.Count);
        Assert.Equal(1f, ip.Param[0].LrMult);
        Assert.False(ip.Param[0].HasDecayMult);
        Assert.Equal(2f, ip.Param[1].LrMult);
        Assert.Equal(0f, ip.Param[1].DecayMult);
        Assert.Equal(500u, ip.InnerProductParam.NumOutput);
        Assert.Equal("xavier", ip.InnerProductParam.WeightFiller.Type);
        Assert.Equal(0.1f, ip.InnerProductParam.BiasFiller.Value);

        var loss = net.Layer[3];
        Assert.Equal(["ip1", "label"], loss.Bottom);
        Assert.Equal([1f], loss.LossWeight);
        var exclude = Assert.Single(loss.Exclude);
        Assert.Equal(Phase.Test, exclude.Phase);
        Assert.Equal(["deploy"], exclude.Stage);
    }

    [Theory]
    [InlineData("1e-4", 1e-4f)]
    [InlineData(".5", 0.5f)]
    [InlineData("5.", 5f)]
    [InlineData("1.0f", 1f)]
    [InlineData("2.5F", 2.5f)]
    [InlineData("3", 3f)]
    [InlineData("0x10", 16f)]
    [InlineData("-0.25", -0.25f)]
    [InlineData("1E+2", 100f)]
    [InlineData("inf", float.PositiveInfinity)]
    [InlineData("-Infinity", float.NegativeInfinity)]
    [InlineData("-INF", float.NegativeInfinity)]
    [InlineData("nan", float.NaN)]
    [InlineData("NaN", float.NaN)]
    public void FloatsParse(string written, float expected)
    {
        Assert.Equal(expected, Solver($"base_lr: {written}").BaseLr);
    }

    [Theory]
    [InlineData("42", 42)]
    [InlineData("-7", -7)]
    [InlineData("0x1F", 31)]
    [InlineData("017", 15)]
    [InlineData("0", 0)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    public void IntegersParse(string written, int expected)
    {
        Assert.Equal(expected, Solver($"max_iter: {written}").MaxIter);
    }

    [Fact]
    public void Int64AndUint32Parse()
    {
        Assert.Equal(-9223372036854775808L, Solver("random_seed: -9223372036854775808").RandomSeed);
        Assert.Equal(uint.MaxValue, Net("layer { inner_product_param { num_output: 4294967295 } }").Layer[0].InnerProductParam.NumOutput);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("t", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("f", false)]
    [InlineData("0", false)]
    public void BoolsParse(string written, bool expected)
    {
        var solver = Solver($"debug_info: {written}");
        Assert.True(solver.HasDebugInfo);
        Assert.Equal(expected, solver.DebugInfo);
    }

    [Theory]
    [InlineData("'single'", "single")]
    [InlineData("\"double\"", "double")]
    [InlineData("\"a\" 'b'\n  \"c\"", "abc")]
    [InlineData(@"""tab\tnewline\nquote\""apos\'back\\""", "tab\tnewline\nquote\"apos'back\\")]
    [InlineData(@"""\101\x42\103""", "ABC")]
    [InlineData(@"""caf\303\251""", "café")]
    [InlineData("\"café ☕\"", "café ☕")]
    [InlineData("\"\"", "")]
    [InlineData("\"a # not a comment\"", "a # not a comment")]
    public void StringsParse(string written, string expected)
    {
        Assert.Equal(expected, Solver($"snapshot_prefix: {written}").SnapshotPrefix);
    }

    [Fact]
    public void EnumsParseByNameAndNumber()
    {
        Assert.Equal(SolverParameter.Types.SolverMode.Cpu, Solver("solver_mode: CPU").SolverMode);
        Assert.Equal(SolverParameter.Types.SolverMode.Gpu, Solver("solver_mode: 1").SolverMode);
        Assert.Equal(SolverParameter.Types.SnapshotFormat.Hdf5, Solver("snapshot_format: HDF5").SnapshotFormat);
    }

    [Fact]
    public void RepeatedFieldsTakeRepetitionAndLists()
    {
        var solver = Solver("test_iter: 1 test_iter: [2, 3] test_iter: [] stepvalue: [10,20,30]");
        Assert.Equal([1, 2, 3], solver.TestIter);
        Assert.Equal([10, 20, 30], solver.Stepvalue);

        var net = Net("layer: [{ name: 'a' }, < name: 'b' >] layer [{ name: 'c' }]");
        Assert.Equal(["a", "b", "c"], net.Layer.Select(l => l.Name));
    }

    [Fact]
    public void SeparatorsAndCommentsAreOptional()
    {
        var solver = Solver("max_iter: 5, display: 2; base_lr: 0.5#comment\r\ntest_iter:1;test_iter:2");
        Assert.Equal(5, solver.MaxIter);
        Assert.Equal(2, solver.Display);
        Assert.Equal(0.5f, solver.BaseLr);
        Assert.Equal([1, 2], solver.TestIter);
    }

    [Fact]
    public void EmptyTextIsAnEmptyMessage()
    {
        Assert.Equal(new SolverParameter(), Solver("  # only a comment\n"));
    }

    [Fact]
    public void ParsedSolverSurvivesGoogleProtobufBinary()
    {
        var solver = PrototxtParser.Parse<SolverParameter>(LenetSolver, "lenet_solver.prototxt");
        solver.TrainNetParam = PrototxtParser.Parse<NetParameter>(MlpNet, "mlp.prototxt");

        var copy = SolverParameter.Parser.ParseFrom(solver.ToByteArray());

        Assert.Equal(solver, copy);
        Assert.True(copy.HasSolverMode);
        Assert.False(copy.HasIterSize);
    }

    private static SolverParameter Solver(string text) => PrototxtParser.Parse<SolverParameter>(text, "solver.prototxt");

    private static NetParameter Net(string text) => PrototxtParser.Parse<NetParameter>(text, "net.prototxt");
}
