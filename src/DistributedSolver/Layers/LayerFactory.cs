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
        ["Data"] = (p, b, c) => new DataLayer(p, b, c.LoadImages(p)),
        ["DummyData"] = (p, b, c) => new DummyDataLayer(p, b, c.Seed),
        ["EuclideanLoss"] = (p, b, _) => new EuclideanLossLayer(p, b),
        ["InnerProduct"] = (p, b, _) => new InnerProductLayer(p, b),
        ["ReLU"] = (p, b, _) => new ReLULayer(p, b),
        ["SoftmaxWithLoss"] = (p, b, _) => new SoftmaxWithLossLayer(p, b),
        ["Split"] = (p, b, _) => new SplitLayer(p, b),
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
