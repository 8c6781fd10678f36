using DistributedSolver.Backend;
using DistributedSolver.Data;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's layer registry: a layer type name to its class.</summary>
public static class LayerFactory
{
    private static readonly Dictionary<string, Func<LayerParameter, IComputeBackend, NetContext, Layer>> Registry = new()
    {
        ["Accuracy"] = (p, b, _) => new AccuracyLayer(p, b),
        ["ArrayData"] = (p, b, c) => new ArrayDataLayer(p, b, c.LoadArrays(p), c.Seed),
        ["BinaryAccuracy"] = (p, b, _) => new BinaryAccuracyLayer(p, b),
        ["BinaryCrossEntropyLoss"] = (p, b, _) => new BinaryCrossEntropyLossLayer(p, b),
        ["Concat"] = (p, b, _) => new ConcatLayer(p, b),
        ["Convolution"] = (p, b, _) => new ConvolutionLayer(p, b),
        ["Data"] = (p, b, c) => new DataLayer(p, b, c.LoadImages(p)),
        ["Dropout"] = (p, b, _) => new DropoutLayer(p, b),
        ["DummyData"] = (p, b, c) => new DummyDataLayer(p, b, c.Seed),
        ["Eltwise"] = (p, b, _) => new EltwiseLayer(p, b),
        ["EuclideanLoss"] = (p, b, _) => new EuclideanLossLayer(p, b),
        ["Flatten"] = (p, b, _) => new FlattenLayer(p, b),
        ["InnerProduct"] = (p, b, _) => new InnerProductLayer(p, b),
        ["MeanAbsoluteErrorLoss"] = (p, b, _) => new MeanAbsoluteErrorLossLayer(p, b),
        ["MeanSquaredErrorLoss"] = (p, b, _) => new MeanSquaredErrorLossLayer(p, b),
        ["Pooling"] = (p, b, _) => new PoolingLayer(p, b),
        ["ReLU"] = (p, b, _) => new ReLULayer(p, b),
        ["Reshape"] = (p, b, _) => new ReshapeLayer(p, b),
        ["Sigmoid"] = (p, b, _) => new SigmoidLayer(p, b),
        ["SigmoidCrossEntropyLoss"] = (p, b, _) => new SigmoidCrossEntropyLossLayer(p, b),
        ["Softmax"] = (p, b, _) => new SoftmaxLayer(p, b),
        ["SoftmaxWithLoss"] = (p, b, _) => new SoftmaxWithLossLayer(p, b),
        ["Split"] = (p, b, _) => new SplitLayer(p, b),
        ["TanH"] = (p, b, _) => new TanHLayer(p, b),
    };

    public static IEnumerable<string> Types => Registry.Keys.Order(StringComparer.Ordinal);

    public static Layer Create(LayerParameter parameter, IComputeBackend backend, NetContext context)
    {
        if (!Registry.TryGetValue(parameter.Type, out var create))
            throw new NetConfigurationException(
                $"layer '{parameter.Name}': unknown layer type '{parameter.Type}' (known: {string.Join(", ", Types)})");
        try
        {
            return create(parameter, backend, context);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new NetConfigurationException($"layer '{parameter.Name}' ({parameter.Type}): {e.Message}", e);
        }
    }
}
