using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's Dense: Caffe's InnerProduct, then the activation in place. It takes (batch, features)
/// inputs; after a convolution, add <see cref="Flatten"/> as Keras requires (Keras would apply
/// Dense to the last axis only, Caffe's InnerProduct flattens).
/// </summary>
public sealed class Dense : KerasLayer
{
    /// <param name="units">Outputs per sample.</param>
    /// <param name="activation">relu, sigmoid, tanh, softmax, or linear/null.</param>
    /// <param name="kernelInitializer">glorot_uniform (Keras's default), lecun_uniform (Caffe's xavier default), zeros, ones.</param>
    public Dense(int units, string? activation = null, bool useBias = true, string kernelInitializer = "glorot_uniform",
        string biasInitializer = "zeros", string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Units = units;
        _activation = Activations.Check(activation, nameof(activation));
        UseBias = useBias;
        KernelInitializer = Initializers.Check(kernelInitializer, nameof(kernelInitializer));
        BiasInitializer = Initializers.Check(biasInitializer, nameof(biasInitializer));
    }

    private readonly string? _activation;

    public int Units { get; }

    public bool UseBias { get; }

    public string KernelInitializer { get; }

    public string BiasInitializer { get; }

    /// <summary>Caffe's <c>lr_mult</c> of the bias (Caffe's LeNet uses 2); Keras has no such knob, 1 leaves the rate alone.</summary>
    public float BiasLearningRateMultiplier { get; init; } = 1f;

    internal override string DefaultName => "dense";

    /// <summary>The same layer ending with <paramref name="activation"/> (an imported net's neuron layer folded in).</summary>
    internal Dense WithActivation(string activation) =>
        new(Units, activation, UseBias, KernelInitializer, BiasInitializer, Name) { BiasLearningRateMultiplier = BiasLearningRateMultiplier };

    internal override string? OutputActivation => _activation;

    internal override int[] OutputShape(int[] input) => input.Length == 1 ? [Units]
        : throw Error($"takes (batch, features) inputs, got {Describe(input)}: add Flatten() before it");

    internal override long ParameterCount(int[] input) => (long)input[0] * Units + (UseBias ? Units : 0);

    internal override void Emit(NetBuilder net, int[] input, bool withActivation)
    {
        var layer = net.Add(Name!, "InnerProduct", top: Name);
        var p = new InnerProductParameter { NumOutput = (uint)Units, WeightFiller = Initializers.ToFiller(KernelInitializer) };
        if (UseBias) p.BiasFiller = Initializers.ToFiller(BiasInitializer);
        else p.BiasTerm = false;
        layer.InnerProductParam = p;
        ParamSpecs.AddBiasMultiplier(layer, UseBias, BiasLearningRateMultiplier);
        EmitActivation(net, [Units], $"{Name}_{_activation}", withActivation);
    }
}
