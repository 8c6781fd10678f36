using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;

namespace DistributedSolver.Tests.Layers;

/// <summary>Bad layer definitions are refused when the net is built, naming the layer and the field.</summary>
public sealed class LayerConfigurationTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    // A (2, 4, 6, 6) input, then the layer under test.
    private Net Build(string layer) => new(PrototxtParser.Parse<NetParameter>($$"""
        layer { name: "in" type: "DummyData" top: "x" dummy_data_param { shape { dim: 2 dim: 4 dim: 6 dim: 6 } } }
        {{layer}}
        """, "bad.prototxt"), Phase.Train, _backend, new NetContext(".", 1));

    [Theory]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 3 kernel_size: 9 } }""",
        "layer 'c' (Convolution)", "kernel_size", "larger than the padded input 6x6")]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 3 kernel_size: 3 dilation: 4 pad: 1 } }""",
        "layer 'c' (Convolution)", "kernel_size", "larger than the padded input 8x8")]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 3 kernel_size: 3 group: 2 } }""",
        "layer 'c' (Convolution)", "num_output 3", "divisible by group 2")]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 6 kernel_size: 3 group: 3 } }""",
        "layer 'c' (Convolution)", "group 3", "4 input channels")]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 2 } }""",
        "layer 'c' (Convolution)", "kernel_size", "required")]
    [InlineData("""layer { name: "c" type: "Convolution" bottom: "x" top: "y" convolution_param { num_output: 2 kernel_size: 3 kernel_h: 3 kernel_w: 3 } }""",
        "layer 'c' (Convolution)", "kernel_size", "not both")]
    [InlineData("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: STOCHASTIC kernel_size: 2 } }""",
        "layer 'p' (Pooling)", "pooling_param.pool", "STOCHASTIC")]
    [InlineData("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 7 } }""",
        "layer 'p' (Pooling)", "kernel_size", "larger than the padded input")]
    [InlineData("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 2 pad: 2 } }""",
        "layer 'p' (Pooling)", "pad", "smaller than the kernel")]
    [InlineData("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 1 stride: 4 } }""",
        "layer 'p' (Pooling)", "stride", "start past the input")]
    [InlineData("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { global_pooling: true kernel_size: 2 } }""",
        "layer 'p' (Pooling)", "global_pooling", "no kernel size")]
    [InlineData("""layer { name: "d" type: "Dropout" bottom: "x" top: "x" dropout_param { dropout_ratio: 1 } }""",
        "layer 'd' (Dropout)", "dropout_ratio", "[0, 1)")]
    [InlineData("""layer { name: "r" type: "ReLU" bottom: "x" top: "x" relu_param { max_value: -1 } }""",
        "layer 'r' (ReLU)", "max_value", "≥ 0")]
    [InlineData("""layer { name: "r" type: "ReLU" bottom: "x" top: "x" relu_param { threshold: -0.5 } }""",
        "layer 'r' (ReLU)", "threshold", "≥ 0")]
    [InlineData("""layer { name: "r" type: "Reshape" bottom: "x" top: "y" reshape_param { shape { dim: -1 dim: -1 } } }""",
        "layer 'r' (Reshape)", "reshape_param.shape", "more than one −1")]
    [InlineData("""layer { name: "r" type: "Reshape" bottom: "x" top: "y" reshape_param { shape { dim: 5 dim: -1 } } }""",
        "layer 'r' (Reshape)", "288 values", "multiple of 5")]
    [InlineData("""layer { name: "f" type: "Flatten" bottom: "x" top: "x" }""", "layer 'f' (Flatten)", "in place", "")]
    [InlineData("""layer { name: "e" type: "Eltwise" bottom: "x" bottom: "x" top: "y" eltwise_param { operation: PROD coeff: 1 coeff: 2 } }""",
        "layer 'e' (Eltwise)", "coeff", "SUM only")]
    public void A_bad_layer_is_refused_with_its_name_and_field(string layer, string name, string field, string reason)
    {
        var e = Assert.Throws<NetConfigurationException>(() => Build(layer));
        Assert.Contains(name, e.Message);
        Assert.Contains(field, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void An_unknown_pooling_method_is_refused()
    {
        // In a prototxt the parser refuses the name; a binary or programmatic definition can still carry a number.
        var text = Assert.Throws<PrototxtException>(() => Build("""layer { name: "p" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: MEDIAN kernel_size: 2 } }"""));
        Assert.Contains("'MEDIAN'", text.Message);
        Assert.Contains("'pool'", text.Message);

        var p = new LayerParameter { Name = "p", Type = "Pooling", PoolingParam = new PoolingParameter { Pool = (PoolingParameter.Types.PoolMethod)7, KernelSize = 2 } };
        var bottom = LayerTestUtil.Gaussian(_backend, "x", [1, 1, 4, 4], seed: 1);
        var e = Assert.Throws<NetConfigurationException>(() => new PoolingLayer(p, _backend).SetUp([bottom], [LayerTestUtil.Empty("y")]));
        Assert.Contains("layer 'p' (Pooling)", e.Message);
        Assert.Contains("pooling_param.pool: unknown method 7", e.Message);
    }
}
