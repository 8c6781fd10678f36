using DistributedSolver.Proto;
using DistributedSolver.Prototxt;

namespace DistributedSolver.Tests.Prototxt;

public sealed class NetUpgraderTests
{
    private const string V1Net = """
        name: "LegacyMLP"
        layers {
          name: "mnist"
          type: DATA
          top: "data"
          top: "label"
          data_param { source: "mnist_train" batch_size: 64 }
          transform_param { scale: 0.00390625 }
          include: { phase: TRAIN }
        }
        layers {
          name: "ip"
          type: INNER_PRODUCT
          bottom: "data"
          top: "ip"
          blobs_lr: 1
          blobs_lr: 2
          weight_decay: 1
          weight_decay: 0
          param: "ip_w"
          blob_share_mode: PERMISSIVE
          inner_product_param { num_output: 10 weight_filler { type: "gaussian" std: 0.01 } }
        }
        layers { name: "relu" type: RELU bottom: "ip" top: "ip" relu_param { negative_slope: 0.1 } }
        layers {
          name: "loss"
          type: SOFTMAX_LOSS
          bottom: "ip"
          bottom: "label"
          top: "loss"
          loss_weight: 2
          loss_param { ignore_label: -1 }
          exclude { phase: TEST }
        }
        """;

    [Fact]
    public void V1NetBecomesLayerNet()
    {
        var net = PrototxtParser.Parse<NetParameter>(V1Net, "v1.prototxt");
        NetUpgrader.UpgradeV1(net, "v1.prototxt");

        Assert.Empty(net.Layers);
        Assert.Equal("LegacyMLP", net.Name);
        Assert.Equal(["Data", "InnerProduct", "ReLU", "SoftmaxWithLoss"], net.Layer.Select(l => l.Type));

        var data = net.Layer[0];
        Assert.Equal("mnist", data.Name);
        Assert.Equal(["data", "label"], data.Top);
        Assert.Equal("mnist_train", data.DataParam.Source);
        Assert.Equal(64u, data.DataParam.BatchSize);
        Assert.Equal(0.00390625f, data.TransformParam.Scale);
        Assert.Equal(Phase.Train, Assert.Single(data.Include).Phase);
        Assert.Empty(data.Param);

        var ip = net.Layer[1];
        Assert.Equal(["data"], ip.Bottom);
        Assert.Equal(["ip"], ip.Top);
        Assert.Equal(2, ip.Param.Count);
        Assert.Equal("ip_w", ip.Param[0].Name);
        Assert.Equal(ParamSpec.Types.DimCheckMode.Permissive, ip.Param[0].ShareMode);
        Assert.Equal((1f, 1f), (ip.Param[0].LrMult, ip.Param[0].DecayMult));
        Assert.Equal((2f, 0f), (ip.Param[1].LrMult, ip.Param[1].DecayMult));
        Assert.False(ip.Param[1].HasName);
        Assert.Equal(10u, ip.InnerProductParam.NumOutput);
        Assert.Equal(0.01f, ip.InnerProductParam.WeightFiller.Std);

        Assert.Equal(0.1f, net.Layer[2].ReluParam.NegativeSlope);

        var loss = net.Layer[3];
        Assert.Equal(["ip", "label"], loss.Bottom);
        Assert.Equal([2f], loss.LossWeight);
        Assert.Equal(-1, loss.LossParam.IgnoreLabel);
        Assert.Equal(Phase.Test, Assert.Single(loss.Exclude).Phase);
    }

    [Fact]
    public void UpgradedNetEqualsTheSameNetWrittenInTheCurrentFormat()
    {
        var upgraded = PrototxtParser.Parse<NetParameter>("""
            layers { name: "s" type: SOFTMAX bottom: "x" top: "y" softmax_param { axis: 2 } }
            layers { name: "a" type: ACCURACY bottom: "y" bottom: "l" top: "acc" accuracy_param { top_k: 5 } }
            layers { name: "d" type: DUMMY_DATA top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            """, "v1.prototxt");
        NetUpgrader.UpgradeV1(upgraded, "v1.prototxt");
        var current = PrototxtParser.Parse<NetParameter>("""
            layer { name: "s" type: "Softmax" bottom: "x" top: "y" softmax_param { axis: 2 } }
            layer { name: "a" type: "Accuracy" bottom: "y" bottom: "l" top: "acc" accuracy_param { top_k: 5 } }
            layer { name: "d" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } }
            """, "v2.prototxt");

        Assert.Equal(current, upgraded);
    }

    [Fact]
    public void A_V1_LeNet_keeps_its_layer_parameters()
    {
        // Caffe's V1 field numbers: convolution_param 10, pooling_param 19, dropout_param 12,
        // concat_param 9, eltwise_param 24, sigmoid_param 38, tanh_param 37.
        var upgraded = PrototxtParser.Parse<NetParameter>("""
            layers { name: "conv" type: CONVOLUTION bottom: "x" top: "c" blobs_lr: 1 blobs_lr: 2
                     convolution_param { num_output: 20 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } } }
            layers { name: "pool" type: POOLING bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layers { name: "drop" type: DROPOUT bottom: "p" top: "p" dropout_param { dropout_ratio: 0.3 } }
            layers { name: "sig" type: SIGMOID bottom: "p" top: "s" sigmoid_param { engine: CAFFE } }
            layers { name: "tanh" type: TANH bottom: "p" top: "t" tanh_param { engine: CAFFE } }
            layers { name: "cat" type: CONCAT bottom: "s" bottom: "t" top: "st" concat_param { axis: 1 } }
            layers { name: "sum" type: ELTWISE bottom: "s" bottom: "t" top: "u" eltwise_param { operation: MAX } }
            """, "v1.prototxt");
        NetUpgrader.UpgradeV1(upgraded, "v1.prototxt");
        var current = PrototxtParser.Parse<NetParameter>("""
            layer { name: "conv" type: "Convolution" bottom: "x" top: "c" param { lr_mult: 1 } param { lr_mult: 2 }
                    convolution_param { num_output: 20 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } } }
            layer { name: "pool" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "drop" type: "Dropout" bottom: "p" top: "p" dropout_param { dropout_ratio: 0.3 } }
            layer { name: "sig" type: "Sigmoid" bottom: "p" top: "s" sigmoid_param { engine: CAFFE } }
            layer { name: "tanh" type: "TanH" bottom: "p" top: "t" tanh_param { engine: CAFFE } }
            layer { name: "cat" type: "Concat" bottom: "s" bottom: "t" top: "st" concat_param { axis: 1 } }
            layer { name: "sum" type: "Eltwise" bottom: "s" bottom: "t" top: "u" eltwise_param { operation: MAX } }
            """, "v2.prototxt");

        Assert.Equal(current, upgraded);
    }

    [Theory]
    [InlineData("EUCLIDEAN_LOSS", "EuclideanLoss")]
    [InlineData("CONVOLUTION", "Convolution")]
    [InlineData("POOLING", "Pooling")]
    [InlineData("DROPOUT", "Dropout")]
    [InlineData("SIGMOID", "Sigmoid")]
    [InlineData("TANH", "TanH")]
    [InlineData("FLATTEN", "Flatten")]
    [InlineData("CONCAT", "Concat")]
    [InlineData("ELTWISE", "Eltwise")]
    [InlineData("SPLIT", "Split")]
    [InlineData("SIGMOID_CROSS_ENTROPY_LOSS", "SigmoidCrossEntropyLoss")]
    [InlineData("HDF5_DATA", "HDF5Data")]
    [InlineData("IM2COL", "Im2col")]
    [InlineData("LRN", "LRN")]
    [InlineData("ABSVAL", "AbsVal")]
    [InlineData("BNLL", "BNLL")]
    public void V1TypesMapToCaffeTypeStrings(string v1Type, string type)
    {
        var net = PrototxtParser.Parse<NetParameter>($"layers {{ name: 'x' type: {v1Type} }}", "v1.prototxt");
        NetUpgrader.UpgradeV1(net, "v1.prototxt");
        Assert.Equal(type, net.Layer[0].Type);
    }

    [Fact]
    public void EveryV1TypeButNoneHasAMapping()
    {
        var types = V1LayerParameter.Descriptor.FindFieldByName("type").EnumType.Values.Where(v => v.Name != "NONE");
        var net = new NetParameter();
        net.Layers.Add(types.Select(v => new V1LayerParameter { Name = v.Name, Type = (V1LayerParameter.Types.LayerType)v.Number }));

        NetUpgrader.UpgradeV1(net, "v1.prototxt");

        Assert.All(net.Layer, l => Assert.False(string.IsNullOrEmpty(l.Type)));
        Assert.Equal(net.Layer.Count, net.Layer.Select(l => l.Type).Distinct().Count());
    }

    [Fact]
    public void V1TypeWithoutMappingIsAnErrorNamingTheLayer()
    {
        var net = PrototxtParser.Parse<NetParameter>("layers { name: 'ok' type: RELU } layers { name: 'odd' type: NONE }", "v1.prototxt");
        var e = Assert.Throws<PrototxtException>(() => NetUpgrader.UpgradeV1(net, "v1.prototxt"));
        Assert.Equal("v1.prototxt: layer 'odd' (entry 2 of 'layers') has V1 type NONE, which has no current layer type", e.Message);
        Assert.Equal((0, 0), (e.Line, e.Column));

        var fromBinary = new NetParameter();
        fromBinary.Layers.Add(new V1LayerParameter { Name = "future", Type = (V1LayerParameter.Types.LayerType)99 });
        var unknown = Assert.Throws<PrototxtException>(() => NetUpgrader.UpgradeV1(fromBinary, "net.caffemodel"));
        Assert.Contains("layer 'future' (entry 1 of 'layers') has V1 type 99", unknown.Message);
    }

    [Fact]
    public void NetWithBothLayerAndLayersIsAnError()
    {
        var net = PrototxtParser.Parse<NetParameter>("layer { name: 'new' type: 'ReLU' } layers { name: 'old' type: RELU }", "mixed.prototxt");
        var e = Assert.Throws<PrototxtException>(() => NetUpgrader.UpgradeV1(net, "mixed.prototxt"));
        Assert.StartsWith("mixed.prototxt: the net has both 'layer' and legacy 'layers' fields", e.Message);
    }

    [Fact]
    public void CurrentNetIsLeftAlone()
    {
        var net = PrototxtParser.Parse<NetParameter>("layer { name: 'r' type: 'ReLU' param { lr_mult: 3 } }", "net.prototxt");
        var before = net.Clone();
        NetUpgrader.UpgradeV1(net, "net.prototxt");
        Assert.Equal(before, net);
    }

    [Theory]
    [InlineData("SGD", "SGD")]
    [InlineData("NESTEROV", "Nesterov")]
    [InlineData("ADAGRAD", "AdaGrad")]
    [InlineData("RMSPROP", "RMSProp")]
    [InlineData("ADADELTA", "AdaDelta")]
    [InlineData("ADAM", "Adam")]
    public void SolverTypeEnumBecomesTypeString(string solverType, string type)
    {
        var solver = PrototxtParser.Parse<SolverParameter>($"solver_type: {solverType}", "solver.prototxt");
        NetUpgrader.UpgradeSolverType(solver, "solver.prototxt");
        Assert.Equal(type, solver.Type);
        Assert.False(solver.HasSolverType);
    }

    [Fact]
    public void SolverTypeAndTypeTogetherAreAnError()
    {
        var solver = PrototxtParser.Parse<SolverParameter>("type: 'Adam' solver_type: ADAM", "solver.prototxt");
        var e = Assert.Throws<PrototxtException>(() => NetUpgrader.UpgradeSolverType(solver, "solver.prototxt"));
        Assert.Contains("both the legacy 'solver_type' and 'type' are set", e.Message);
    }
}
