using DistributedSolver.Proto;

namespace DistributedSolver.Tests.Prototxt;

/// <summary>
/// The layer messages carry Caffe's field numbers (BVLC caffe.proto), so binary .caffemodel files
/// of either program read in the other, and Caffe's defaults.
/// </summary>
public sealed class CaffeSchemaTests
{
    [Theory]
    [InlineData("LayerParameter", "concat_param", 104)]
    [InlineData("LayerParameter", "convolution_param", 106)]
    [InlineData("LayerParameter", "dropout_param", 108)]
    [InlineData("LayerParameter", "eltwise_param", 110)]
    [InlineData("LayerParameter", "pooling_param", 121)]
    [InlineData("LayerParameter", "sigmoid_param", 124)]
    [InlineData("LayerParameter", "tanh_param", 127)]
    [InlineData("LayerParameter", "reshape_param", 133)]
    [InlineData("LayerParameter", "flatten_param", 135)]
    [InlineData("V1LayerParameter", "concat_param", 9)]
    [InlineData("V1LayerParameter", "convolution_param", 10)]
    [InlineData("V1LayerParameter", "dropout_param", 12)]
    [InlineData("V1LayerParameter", "pooling_param", 19)]
    [InlineData("V1LayerParameter", "eltwise_param", 24)]
    [InlineData("V1LayerParameter", "tanh_param", 37)]
    [InlineData("V1LayerParameter", "sigmoid_param", 38)]
    [InlineData("ConvolutionParameter", "kernel_size", 4)]
    [InlineData("ConvolutionParameter", "stride", 6)]
    [InlineData("ConvolutionParameter", "group", 5)]
    [InlineData("ConvolutionParameter", "dilation", 18)]
    [InlineData("ConvolutionParameter", "kernel_h", 11)]
    [InlineData("ConvolutionParameter", "stride_w", 14)]
    [InlineData("PoolingParameter", "kernel_size", 2)]
    [InlineData("PoolingParameter", "stride", 3)]
    [InlineData("PoolingParameter", "pad", 4)]
    [InlineData("PoolingParameter", "global_pooling", 12)]
    [InlineData("PoolingParameter", "round_mode", 13)]
    [InlineData("ReLUParameter", "max_value", 10000)]
    [InlineData("ReLUParameter", "threshold", 10001)]
    public void Fields_have_Caffes_numbers(string message, string field, int number)
    {
        var descriptor = CaffeReflection.Descriptor.MessageTypes.Single(m => m.Name == message);
        Assert.Equal(number, descriptor.FindFieldByName(field).FieldNumber);
    }

    [Fact]
    public void Defaults_are_Caffes()
    {
        Assert.Equal(0.5f, new DropoutParameter().DropoutRatio);
        var conv = new ConvolutionParameter();
        Assert.True(conv.BiasTerm);
        Assert.Equal(1u, conv.Group);
        Assert.Equal(1, conv.Axis);
        var pool = new PoolingParameter();
        Assert.Equal(PoolingParameter.Types.PoolMethod.Max, pool.Pool);
        Assert.Equal(1u, pool.Stride);
        Assert.Equal(PoolingParameter.Types.RoundMode.Ceil, pool.RoundMode);
        Assert.Equal((1, -1), (new FlattenParameter().Axis, new FlattenParameter().EndAxis));
        Assert.Equal((0, -1), (new ReshapeParameter().Axis, new ReshapeParameter().NumAxes));
        Assert.Equal((1, 1u), (new ConcatParameter().Axis, new ConcatParameter().ConcatDim));
        Assert.Equal(EltwiseParameter.Types.EltwiseOp.Sum, new EltwiseParameter().Operation);
        Assert.True(new EltwiseParameter().StableProdGrad);
        Assert.Equal(0f, new ReLUParameter().Threshold);
        Assert.False(new ReLUParameter().HasMaxValue);
    }
}
