namespace DistributedSolver.Keras;

/// <summary>A model's layers with the shape each reads and writes (one sample, no batch axis), and its metrics.</summary>
internal sealed record ResolvedModel(int[] InputShape, IReadOnlyList<(KerasLayer Layer, int[] Input, int[] Output)> Layers, IReadOnlyList<Metric> Metrics)
{
    public int[] OutputShape => Layers.Count == 0 ? InputShape : Layers[^1].Output;

    /// <summary>The values of one output sample.</summary>
    public int OutputSize => OutputShape.Aggregate(1, (a, d) => checked(a * d));
}
