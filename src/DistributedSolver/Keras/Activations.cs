using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>Keras's activation names and the Caffe neuron layers that compute them.</summary>
internal static class Activations
{
    private static readonly Dictionary<string, string> CaffeTypes = new()
    {
        ["relu"] = "ReLU",
        ["sigmoid"] = "Sigmoid",
        ["tanh"] = "TanH",
        ["softmax"] = "Softmax",
    };

    /// <summary>The activation <paramref name="name"/> stands for: null for "linear" or none.</summary>
    /// <exception cref="ArgumentException">An unknown name, naming <paramref name="argument"/> and the known ones.</exception>
    public static string? Check(string? name, string argument)
    {
        if (name is null or "linear") return null;
        if (!CaffeTypes.ContainsKey(name))
            throw new ArgumentException($"unknown activation '{name}' (known: linear, {string.Join(", ", CaffeTypes.Keys)})", argument);
        return name;
    }

    /// <summary>The activation as an in-place Caffe layer over a sample of <paramref name="rank"/> axes.</summary>
    public static void Emit(NetBuilder net, string caffeName, string activation, int rank)
    {
        var layer = net.Add(caffeName, CaffeTypes[activation]);
        // Keras's softmax runs over the last axis; Caffe's over axis 1, the same for (batch, units).
        if (activation == "softmax" && rank > 1) layer.SoftmaxParam = new SoftmaxParameter { Axis = -1 };
    }

    /// <summary>The Keras activation a Caffe layer computes, or null when it is none of them with default settings.</summary>
    public static string? FromLayer(LayerParameter layer, int rank) => layer.Type switch
    {
        "ReLU" when layer.ReluParam is null || layer.ReluParam.Equals(new ReLUParameter()) => "relu",
        "Sigmoid" => "sigmoid",
        "TanH" => "tanh",
        "Softmax" when (layer.SoftmaxParam?.Axis ?? 1) is var axis && (axis == -1 || axis == rank) => "softmax",
        _ => null,
    };
}
