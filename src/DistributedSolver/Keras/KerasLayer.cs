namespace DistributedSolver.Keras;

/// <summary>
/// A layer of a <see cref="Sequential"/> model. It holds no weights and computes nothing: it says
/// which Caffe layers stand for it, so a model is a NetParameter like any prototxt net and trains
/// on the same layers, solvers and cluster.
/// </summary>
public abstract class KerasLayer
{
    private protected KerasLayer(string? name) => Name = name;

    /// <summary>
    /// The name given, or the one <see cref="Sequential.Add"/> chose as Keras does ("dense",
    /// "dense_1", …). It names the Caffe layer, its weights in a .caffemodel and its top blob.
    /// </summary>
    public string? Name { get; internal set; }

    /// <summary>Keras's base name for layers of this kind ("dense", "conv2d", …).</summary>
    internal abstract string DefaultName { get; }

    /// <summary>The activation the layer ends with (Keras's <c>activation</c>), null for none.</summary>
    internal virtual string? OutputActivation => null;

    /// <summary>The shape of one output sample for one input sample of <paramref name="input"/>, or a refusal naming the layer.</summary>
    internal abstract int[] OutputShape(int[] input);

    /// <summary>The learnable values for an input sample of <paramref name="input"/>.</summary>
    internal virtual long ParameterCount(int[] input) => 0;

    /// <summary>
    /// Appends the layer's Caffe layers to <paramref name="net"/>; the activation too unless
    /// <paramref name="withActivation"/> is false (a softmax that the loss layer computes itself).
    /// </summary>
    internal abstract void Emit(NetBuilder net, int[] input, bool withActivation);

    private protected void EmitActivation(NetBuilder net, int[] output, string caffeName, bool withActivation)
    {
        if (withActivation && OutputActivation is { } activation) Activations.Emit(net, caffeName, activation, output.Length);
    }

    private protected InvalidOperationException Error(string message) => new($"{GetType().Name} '{Name}': {message}");

    internal static string Describe(IEnumerable<int> shape) => $"(None, {string.Join(", ", shape)})";
}
