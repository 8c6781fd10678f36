namespace DistributedSolver.Keras;

/// <summary>
/// Keras's Input: the shape of one sample, without the batch axis, e.g. <c>new Input(13)</c> for
/// 13 features or <c>new Input(1, 28, 28)</c> for a one-channel image (channels first, Caffe's
/// layout, Keras's <c>data_format="channels_first"</c>). Only as a model's first layer; without
/// it the model takes its input shape from the first data it sees.
/// </summary>
public sealed class Input : KerasLayer
{
    public Input(params int[] shape) : base(null)
    {
        if (shape.Length == 0 || shape.Any(d => d <= 0))
            throw new ArgumentException($"an input shape needs positive dimensions, got ({string.Join(", ", shape)})", nameof(shape));
        Shape = [.. shape];
    }

    public IReadOnlyList<int> Shape { get; }

    internal override string DefaultName => "input_layer";

    internal override int[] OutputShape(int[] input) => [.. Shape];

    internal override void Emit(NetBuilder net, int[] input, bool withActivation)
    {
    }
}
