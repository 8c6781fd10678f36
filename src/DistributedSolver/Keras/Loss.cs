using DistributedSolver.Data;

namespace DistributedSolver.Keras;

/// <summary>
/// A Keras loss by name and the Caffe loss layer that computes it. The categorical losses train
/// as Caffe's SoftmaxWithLoss on the last layer's logits (what Keras's TensorFlow backend does
/// with a softmax output), so they need a softmax last and take class indices: one-hot targets
/// are turned into their indices.
/// </summary>
internal sealed class Loss
{
    private enum TargetKind
    {
        /// <summary>One target value per output value.</summary>
        Values,

        /// <summary>One class index per sample.</summary>
        ClassIndex,

        /// <summary>One one-hot row per sample, turned into its class index.</summary>
        OneHot,
    }

    private static readonly Dictionary<string, (string Canonical, string CaffeType, TargetKind Targets)> Known = new()
    {
        ["mse"] = ("mean_squared_error", "MeanSquaredErrorLoss", TargetKind.Values),
        ["mean_squared_error"] = ("mean_squared_error", "MeanSquaredErrorLoss", TargetKind.Values),
        ["mae"] = ("mean_absolute_error", "MeanAbsoluteErrorLoss", TargetKind.Values),
        ["mean_absolute_error"] = ("mean_absolute_error", "MeanAbsoluteErrorLoss", TargetKind.Values),
        ["binary_crossentropy"] = ("binary_crossentropy", "BinaryCrossEntropyLoss", TargetKind.Values),
        ["categorical_crossentropy"] = ("categorical_crossentropy", "SoftmaxWithLoss", TargetKind.OneHot),
        ["sparse_categorical_crossentropy"] = ("sparse_categorical_crossentropy", "SoftmaxWithLoss", TargetKind.ClassIndex),
    };

    private readonly TargetKind _targets;

    private Loss(string name, string caffeType, TargetKind targets)
    {
        Name = name;
        CaffeType = caffeType;
        _targets = targets;
    }

    /// <exception cref="ArgumentException">An unknown name, naming the <c>loss</c> argument and the known ones.</exception>
    public static Loss Parse(string name)
    {
        if (!Known.TryGetValue(name, out var known))
            throw new ArgumentException($"unknown loss '{name}' (known: {string.Join(", ", Known.Keys)})", "loss");
        return new Loss(known.Canonical, known.CaffeType, known.Targets);
    }

    /// <summary>Keras's name for it.</summary>
    public string Name { get; }

    public string CaffeType { get; }

    /// <summary>The loss layer applies the softmax itself, so the net ends at the logits.</summary>
    public bool TakesLogits => _targets != TargetKind.Values;

    /// <summary>The targets the label blob holds are class indices.</summary>
    public bool TakesClassIndices => TakesLogits;

    /// <summary>
    /// The targets as the loss layer reads them, checked against an output of
    /// <paramref name="outputSize"/> values per sample; <paramref name="argument"/> names y in errors.
    /// </summary>
    /// <exception cref="ArgumentException">Targets of the wrong width or values, naming the argument, the row and the loss.</exception>
    public NDArray Targets(NDArray y, int outputSize, string argument)
    {
        switch (_targets)
        {
            case TargetKind.Values:
                if (y.SampleSize != outputSize)
                    throw new ArgumentException($"{argument} has {y.SampleSize} values per sample and the model's output has {outputSize} (loss '{Name}')", argument);
                return y;
            case TargetKind.ClassIndex:
                if (y.SampleSize != 1)
                    throw new ArgumentException($"{argument} has {y.SampleSize} values per sample; loss '{Name}' takes one class index per sample (use categorical_crossentropy for one-hot rows)", argument);
                for (int i = 0; i < y.Length; i++)
                {
                    float label = y[i, 0];
                    if (label != MathF.Floor(label) || label < 0 || label >= outputSize)
                        throw new ArgumentException($"{argument}[{i}] = {label} is not a class index of the model's {outputSize} outputs (loss '{Name}')", argument);
                }
                return y;
            default:
                if (y.SampleSize != outputSize)
                    throw new ArgumentException($"{argument} has {y.SampleSize} values per sample and the model's output has {outputSize}: loss '{Name}' takes one-hot rows (sparse_categorical_crossentropy takes class indices)", argument);
                var indices = new float[y.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    var row = y.Sample(i);
                    int hot = row.IndexOf(1f);
                    if (hot < 0 || row.Count(0f) != outputSize - 1)
                        throw new ArgumentException($"{argument}[{i}] is not a one-hot row: loss '{Name}' trains as Caffe's SoftmaxWithLoss, which takes class indices, so soft targets are not supported", argument);
                    indices[i] = hot;
                }
                return new NDArray(indices, y.Length);
        }
    }
}
