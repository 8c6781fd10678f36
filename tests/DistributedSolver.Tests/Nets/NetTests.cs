using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;

namespace DistributedSolver.Tests.Nets;

public sealed class NetTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private const string Definition = """
        name: "tiny"
        layer { name: "in" type: "DummyData" top: "x" top: "label"
                dummy_data_param { shape { dim: 4 dim: 6 } shape { dim: 4 }
                                   data_filler { type: "gaussian" } data_filler { type: "constant" value: 2 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip"
                param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
                inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "label" top: "acc" include { phase: TEST } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" loss_weight: 2 }
        """;

    private Net Build(Phase phase, string text = Definition) =>
        new(PrototxtParser.Parse<NetParameter>(text, "tiny.prototxt"), phase, _backend, new NetContext(".", 5));

    [Fact]
    public void Phase_rules_pick_the_layers_and_splits_are_inserted_where_a_blob_feeds_two_layers()
    {
        var train = Build(Phase.Train);
        Assert.Equal(["in", "ip", "loss"], train.Layers.Select(l => l.Name));
        var test = Build(Phase.Test);
        Assert.Equal(["in", "label_in_1_split", "ip", "ip_ip_0_split", "acc", "loss"], test.Layers.Select(l => l.Name));
        Assert.Equal(["acc", "loss"], test.Outputs.Select(o => o.Name).Order());
        Assert.Equal(2f, test.Outputs.Single(o => o.Name == "loss").LossWeight);
    }

    [Fact]
    public void Parameters_are_views_into_one_flat_buffer_with_their_multipliers()
    {
        var net = Build(Phase.Train);
        Assert.Equal(3 * 6 + 3, net.ParameterCount);
        Assert.Equal([(0, 1f, 1f), (18, 2f, 0f)], net.Parameters.Select(p => (p.Offset, p.LrMult, p.DecayMult)));
        Assert.Same(net.ParameterData.Buffer, net.Parameters[1].Blob.Data.Buffer);
    }

    [Fact]
    public void Loss_weight_scales_the_loss_and_its_gradient()
    {
        var net = Build(Phase.Train);
        float loss = net.ForwardBackward(0);
        float unweighted = net.ReadScalar(net.Outputs.Single().Blob);
        Assert.Equal(2 * unweighted, loss, 6);
        var weighted = new float[net.ParameterCount];
        _backend.Download(net.ParameterDiff, weighted);
        Assert.Contains(weighted, v => v != 0f);
    }

    [Fact]
    public void A_frozen_parameter_gets_no_gradient()
    {
        // Caffe's param_propagate_down: lr_mult 0 leaves the diff at zero.
        var net = Build(Phase.Train, Definition.Replace("param { lr_mult: 1 decay_mult: 1 }", "param { lr_mult: 0 }"));
        net.ForwardBackward(0);
        Assert.All(net.ReadDiff(net.Parameters[0].Blob), v => Assert.Equal(0f, v));
        Assert.Contains(net.ReadDiff(net.Parameters[1].Blob), v => v != 0f);
    }

    [Fact]
    public void Two_layers_of_one_name_are_refused()
    {
        var e = Assert.Throws<NetConfigurationException>(() => Build(Phase.Train, Definition.Replace("name: \"loss\"", "name: \"ip\"")));
        Assert.Contains("two layers are named 'ip'", e.Message);
    }

    [Fact]
    public void The_test_net_shares_the_train_nets_weights()
    {
        var definition = PrototxtParser.Parse<NetParameter>(Definition, "tiny.prototxt");
        var context = new NetContext(".", 5);
        var train = new Net(definition, Phase.Train, _backend, context);
        var test = new Net(definition, Phase.Test, _backend, context, train);
        _backend.Fill(train.ParameterData, 0.25f);
        Assert.All(test.ReadValues(test.Parameters[0].Blob), v => Assert.Equal(0.25f, v));
    }

    [Theory]
    [InlineData("""layer { name: "a" type: "InnerProduct" bottom: "nowhere" top: "a" inner_product_param { num_output: 2 } }""", "unknown bottom blob 'nowhere'")]
    [InlineData("""layer { name: "a" type: "Nope" top: "a" }""", "unknown layer type 'Nope'")]
    [InlineData("""layer { name: "d" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } } layer { name: "a" type: "InnerProduct" bottom: "x" top: "a" }""", "num_output")]
    [InlineData("""layer { name: "d" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 3 } } } layer { name: "l" type: "SoftmaxWithLoss" bottom: "x" bottom: "x" bottom: "x" top: "l" }""", "takes 2 bottom blob(s), got 3")]
    public void A_bad_net_is_refused_with_the_layer_named(string text, string message)
    {
        var e = Assert.Throws<NetConfigurationException>(() => Build(Phase.Train, text));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Weights_of_the_wrong_shape_are_refused()
    {
        var net = Build(Phase.Train);
        var model = net.ToProto();
        model.Layer.Single(l => l.Name == "ip").Blobs[0].Shape.Dim[0] = 4;
        var e = Assert.Throws<InvalidDataException>(() => net.CopyTrainedLayersFrom(model, "w.caffemodel"));
        Assert.Contains("w.caffemodel: layer 'ip'", e.Message);
        Assert.Contains("shape mismatch", e.Message);
    }
}
