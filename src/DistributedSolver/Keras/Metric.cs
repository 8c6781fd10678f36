namespace DistributedSolver.Keras;

/// <summary>
/// A Keras metric by name and the Caffe layer that computes it next to the loss. "accuracy"
/// (or "acc") is what Keras makes of it: binary accuracy (threshold 0.5) for a one-unit output,
/// Caffe's Accuracy (top-1 over class indices) otherwise. mae and mse are their loss layers
/// with loss_weight 0.
/// </summary>
internal sealed record Metric(string Name, string CaffeType, bool IsLossLayer)
{
    public static readonly string[] Names = ["accuracy", "acc", "mae", "mean_absolute_error", "mse", "mean_squared_error"];

    /// <exception cref="ArgumentException">An unknown name, naming the <c>metrics</c> argument and the known ones.</exception>
    public static void Check(string name)
    {
        if (!Names.Contains(name)) throw new ArgumentException($"unknown metric '{name}' (known: {string.Join(", ", Names)})", "metrics");
    }

    /// <summary>The metric for an output of <paramref name="outputSize"/> values under <paramref name="loss"/>.</summary>
    /// <exception cref="InvalidOperationException">A metric the targets of that loss cannot feed.</exception>
    public static Metric Resolve(string name, int outputSize, Loss loss)
    {
        if (name is "accuracy" or "acc")
        {
            if (outputSize == 1) return new Metric(name, "BinaryAccuracy", IsLossLayer: false);
            if (!loss.TakesClassIndices)
                throw new InvalidOperationException($"metric '{name}' on a {outputSize}-unit output compares class indices: use loss sparse_categorical_crossentropy or categorical_crossentropy");
            return new Metric(name, "Accuracy", IsLossLayer: false);
        }
        if (loss.TakesClassIndices)
            throw new InvalidOperationException($"metric '{name}' compares the output with targets of its shape, and loss '{loss.Name}' reads class indices");
        return new Metric(name, name is "mae" or "mean_absolute_error" ? "MeanAbsoluteErrorLoss" : "MeanSquaredErrorLoss", IsLossLayer: true);
    }
}
