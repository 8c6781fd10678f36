using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's Conv2D over channels-first samples (channels, height, width), Caffe's layout and
/// Keras's <c>data_format="channels_first"</c>: Caffe's Convolution, then the activation in place.
/// Square kernels and strides. Padding "valid" adds none; "same" pads so the output is
/// ceil(input / stride), which Caffe can do when the padding splits evenly between both sides
/// (always for odd kernels at stride 1); otherwise the layer is refused, since Keras would pad
/// one side more than the other.
/// </summary>
public sealed class Conv2D : KerasLayer
{
    private readonly string? _activation;

    public Conv2D(int filters, int kernelSize, int strides = 1, string padding = "valid", string? activation = null,
        bool useBias = true, string kernelInitializer = "glorot_uniform", string biasInitializer = "zeros", string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(filters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(strides);
        if (padding is not ("valid" or "same")) throw new ArgumentException($"padding '{padding}': use \"valid\" or \"same\"", nameof(padding));
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        _activation = Activations.Check(activation, nameof(activation));
        UseBias = useBias;
        KernelInitializer = Initializers.Check(kernelInitializer, nameof(kernelInitializer));
        BiasInitializer = Initializers.Check(biasInitializer, nameof(biasInitializer));
    }

    public int Filters { get; }

    public int KernelSize { get; }

    public int Strides { get; }

    public string Padding { get; }

    public bool UseBias { get; }

    public string KernelInitializer { get; }

    public string BiasInitializer { get; }

    /// <summary>Caffe's <c>lr_mult</c> of the bias (Caffe's LeNet uses 2); Keras has no such knob, 1 leaves the rate alone.</summary>
    public float BiasLearningRateMultiplier { get; init; } = 1f;

    internal override string DefaultName => "conv2d";

    /// <summary>The same layer ending with <paramref name="activation"/> (an imported net's neuron layer folded in).</summary>
    internal Conv2D WithActivation(string activation) =>
        new(Filters, KernelSize, Strides, Padding, activation, UseBias, KernelInitializer, BiasInitializer, Name) { BiasLearningRateMultiplier = BiasLearningRateMultiplier };

    internal override string? OutputActivation => _activation;

    internal override int[] OutputShape(int[] input)
    {
        if (input.Length != 3) throw Error($"takes (batch, channels, height, width) inputs, got {Describe(input)}");
        return [Filters, Extent(input[1], "height").Output, Extent(input[2], "width").Output];
    }

    // One spatial axis: Keras's output size and the padding Caffe adds on each side for it.
    private (int Output, int Pad) Extent(int size, string axis)
    {
        if (Padding == "valid")
        {
            if (size < KernelSize) throw Error($"kernel {KernelSize}x{KernelSize} is larger than its input's {axis} {size} (padding \"valid\")");
            return ((size - KernelSize) / Strides + 1, 0);
        }
        int output = (size + Strides - 1) / Strides;
        int total = Math.Max((output - 1) * Strides + KernelSize - size, 0);
        if (total % 2 != 0)
            throw Error($"padding \"same\" needs {total} rows of padding on the {axis} {size}, which Keras splits unevenly and Caffe cannot; use an odd kernel or \"valid\"");
        return (output, total / 2);
    }

    internal override long ParameterCount(int[] input) => (long)Filters * input[0] * KernelSize * KernelSize + (UseBias ? Filters : 0);

    internal override void Emit(NetBuilder net, int[] input, bool withActivation)
    {
        var layer = net.Add(Name!, "Convolution", top: Name);
        var p = new ConvolutionParameter { NumOutput = (uint)Filters, WeightFiller = Initializers.ToFiller(KernelInitializer) };
        p.KernelSize.Add((uint)KernelSize);
        if (Strides != 1) p.Stride.Add((uint)Strides);
        int padH = Extent(input[1], "height").Pad, padW = Extent(input[2], "width").Pad;
        if (padH == padW && padH != 0) p.Pad.Add((uint)padH);
        else if (padH != padW) (p.PadH, p.PadW) = ((uint)padH, (uint)padW);
        if (UseBias) p.BiasFiller = Initializers.ToFiller(BiasInitializer);
        else p.BiasTerm = false;
        layer.ConvolutionParam = p;
        ParamSpecs.AddBiasMultiplier(layer, UseBias, BiasLearningRateMultiplier);
        EmitActivation(net, OutputShape(input), $"{Name}_{_activation}", withActivation);
    }
}
