using DistributedSolver.Nets;
using DistributedSolver.Proto;
using PoolMethod = DistributedSolver.Proto.PoolingParameter.Types.PoolMethod;
using RoundMode = DistributedSolver.Proto.PoolingParameter.Types.RoundMode;

namespace DistributedSolver.Keras;

/// <summary>
/// Reads a net prototxt as a Sequential model: the layers of its TEST phase, which must form a
/// chain from one data layer, each Caffe layer mapped to the Keras layer that emits it again.
/// Caffe's InnerProduct flattens its input itself; a Flatten is put before a Dense that reads
/// an image, which leaves every value where it was.
/// </summary>
internal static class NetImport
{
    private static readonly HashSet<string> DataTypes = ["Input", "ArrayData", "Data", "DummyData"];

    private static readonly HashSet<string> ScalarTypes =
        ["SoftmaxWithLoss", "EuclideanLoss", "SigmoidCrossEntropyLoss", "MeanSquaredErrorLoss", "MeanAbsoluteErrorLoss", "BinaryCrossEntropyLoss", "Accuracy", "BinaryAccuracy"];

    public static Sequential Read(NetParameter net, IReadOnlyList<int>? inputShape, long? seed)
    {
        var layers = NetFilter.Filter(net, new NetState { Phase = Phase.Test }).Layer;
        var model = new Sequential(net.Name.Length > 0 ? net.Name : "sequential", seed);
        var chain = new List<KerasLayer>();
        int[]? shape = inputShape?.ToArray() ?? LegacyInputShape(net);
        int[] current = shape ?? [];
        string? top = net.Input.Count == 1 ? net.Input[0] : null;
        foreach (var p in layers)
        {
            if (DataTypes.Contains(p.Type))
            {
                if (top is not null) throw Refuse(p, "is a second data layer: a Sequential model has one input");
                shape ??= SampleShape(p);
                current = shape ?? [];
                top = p.Top[0];
                continue;
            }
            if (top is null || shape is null) throw Refuse(p, "comes before any data layer with a sample shape (give inputShape for Data layers)");
            if (ScalarTypes.Contains(p.Type))
            {
                // Keras's softmax output with a categorical loss is Caffe's logits into SoftmaxWithLoss.
                if (p.Type == "SoftmaxWithLoss" && p.Bottom[0] == top && chain.Count > 0 && chain[^1].OutputActivation is null)
                    chain[^1] = WithActivation(chain[^1], "softmax") ?? chain[^1];
                continue;
            }
            if (p.Bottom.Count != 1 || p.Bottom[0] != top || p.Top.Count != 1)
                throw Refuse(p, $"reads [{string.Join(", ", p.Bottom)}] and writes [{string.Join(", ", p.Top)}]: a Sequential model is a chain of one-input, one-output layers from '{top}'");
            foreach (var (layer, replaces) in Map(p, current, chain.Count > 0 ? chain[^1] : null, p.Top[0] == top))
            {
                if (replaces)
                {
                    chain[^1] = layer;
                    continue;
                }
                current = layer.OutputShape(current);
                chain.Add(layer);
            }
            top = p.Top[0];
        }
        if (shape is null) throw new ArgumentException($"net '{net.Name}' has no data layer with a sample shape: give inputShape", nameof(net));
        model.Add(new Input(shape));
        foreach (var layer in chain) model.Add(layer);
        return model;
    }

    private static int[]? LegacyInputShape(NetParameter net) =>
        net.InputShape.Count == 1 && net.InputShape[0].Dim.Count > 1 ? [.. net.InputShape[0].Dim.Skip(1).Select(d => (int)d)] : null;

    private static int[]? SampleShape(LayerParameter p) => p.Type switch
    {
        "Input" when p.InputParam is { Shape.Count: 1 } input => [.. input.Shape[0].Dim.Skip(1).Select(d => (int)d)],
        "ArrayData" when p.ArrayDataParam?.Shape is { } sample => [.. sample.Dim.Select(d => (int)d)],
        _ => null,
    };

    /// <summary>The Keras layers for one Caffe layer; a neuron layer in place after a Dense or Conv2D without activation replaces it with one that has it.</summary>
    private static IEnumerable<(KerasLayer Layer, bool Replaces)> Map(LayerParameter p, int[] input, KerasLayer? previous, bool inPlace)
    {
        if (Activations.FromLayer(p, input.Length) is { } activation)
        {
            if (inPlace && previous?.OutputActivation is null && previous is not null && WithActivation(previous, activation) is { } folded)
                return [(folded, true)];
            return [(new Activation(activation, p.Name), false)];
        }
        switch (p.Type)
        {
            case "InnerProduct":
                var ip = p.InnerProductParam ?? new InnerProductParameter();
                if (ip.Axis != 1 || ip.Transpose) throw Refuse(p, "axis and transpose have no Keras equivalent");
                var dense = new Dense((int)ip.NumOutput, null, ip.BiasTerm, Initializer(p, ip.WeightFiller), ip.BiasTerm ? Initializer(p, ip.BiasFiller) : "zeros", p.Name)
                    { BiasLearningRateMultiplier = ParamSpecs.BiasMultiplier(p) };
                return input.Length == 1 ? [(dense, false)] : [(new Flatten($"{p.Name}_flatten"), false), (dense, false)];
            case "Convolution":
                return [(Convolution(p, input), false)];
            case "Pooling":
                return [(Pooling(p, input), false)];
            case "Flatten" when p.FlattenParam is null || p.FlattenParam.Equals(new FlattenParameter()):
                return [(new Flatten(p.Name), false)];
            case "Dropout":
                return [(new Dropout((p.DropoutParam ?? new DropoutParameter()).DropoutRatio, p.Name), false)];
            case "ReLU":
                var relu = p.ReluParam;
                return [(new ReLU(relu.HasMaxValue ? relu.MaxValue : null, relu.NegativeSlope, relu.Threshold, p.Name), false)];
            default:
                throw Refuse(p, "has no Keras layer here");
        }
    }

    private static KerasLayer? WithActivation(KerasLayer layer, string activation) => layer switch
    {
        Dense d => d.WithActivation(activation),
        Conv2D c => c.WithActivation(activation),
        _ => null,
    };

    private static string Initializer(LayerParameter p, FillerParameter? filler) => Initializers.FromFiller(filler)
        ?? throw Refuse(p, $"filler '{filler?.Type}' draws like no Keras initializer the API has (glorot_uniform, lecun_uniform, zeros, ones)");

    private static Conv2D Convolution(LayerParameter p, int[] input)
    {
        var c = p.ConvolutionParam ?? throw Refuse(p, "has no convolution_param");
        uint kernel = Square(p, "kernel", c.KernelSize, c.HasKernelH, c.KernelH, c.KernelW, 0);
        uint stride = Square(p, "stride", c.Stride, c.HasStrideH, c.StrideH, c.StrideW, 1);
        if (kernel == 0) throw Refuse(p, "has no kernel_size");
        if (c.Dilation.Any(d => d != 1) || c.Group != 1 || c.Axis != 1) throw Refuse(p, "dilation, group and axis have no Keras Conv2D equivalent here");
        uint padH = c.HasPadH ? c.PadH : c.Pad.FirstOrDefault(), padW = c.HasPadW ? c.PadW : c.Pad.LastOrDefault();
        string? padding = padH == 0 && padW == 0 ? "valid" : null;
        var layer = new Conv2D((int)c.NumOutput, (int)kernel, (int)stride, padding ?? "same", null, c.BiasTerm,
            Initializer(p, c.WeightFiller), c.BiasTerm ? Initializer(p, c.BiasFiller) : "zeros", p.Name) { BiasLearningRateMultiplier = ParamSpecs.BiasMultiplier(p) };
        if (padding is null)
        {
            // Keras's "same" is the only padding there is besides none: it must add exactly these pads.
            var emitted = new NetBuilder("check");
            layer.Emit(emitted, input, withActivation: false);
            var pads = emitted.Net.Layer[0].ConvolutionParam;
            if ((pads.HasPadH ? pads.PadH : pads.Pad.FirstOrDefault()) != padH || (pads.HasPadW ? pads.PadW : pads.Pad.FirstOrDefault()) != padW)
                throw Refuse(p, $"pad {padH}x{padW} is neither Keras's \"valid\" nor its \"same\" for a {input[1]}x{input[2]} input");
        }
        return layer;
    }

    private static uint Square(LayerParameter p, string what, IList<uint> values, bool hasPair, uint h, uint w, uint fallback)
    {
        uint side = hasPair ? h : values.Count == 0 ? fallback : values[0];
        if ((hasPair && h != w) || values.Count > 1 && values.Any(v => v != values[0]))
            throw Refuse(p, $"a {what} that is not square has no Keras equivalent here");
        return side;
    }

    private static MaxPooling2D Pooling(LayerParameter p, int[] input)
    {
        var q = p.PoolingParam ?? throw Refuse(p, "has no pooling_param");
        if (q.Pool != PoolMethod.Max || q.GlobalPooling || q.Pad != 0 || q.HasPadH || q.HasKernelH || q.HasStrideH)
            throw Refuse(p, "only square MAX pooling without padding has a Keras layer here (MaxPooling2D)");
        var layer = new MaxPooling2D((int)q.KernelSize, (int)q.Stride, p.Name);
        var output = layer.OutputShape(input);
        // Caffe rounds up by default, Keras down: the same layer only where both agree.
        int Ceil(int size) => (int)Math.Ceiling((size - (double)q.KernelSize) / q.Stride) + 1;
        if (q.RoundMode == RoundMode.Ceil && (Ceil(input[1]) != output[1] || Ceil(input[2]) != output[2]))
            throw Refuse(p, $"round_mode CEIL gives another size than Keras's pooling for a {input[1]}x{input[2]} input; use round_mode: FLOOR");
        return layer;
    }

    private static ArgumentException Refuse(LayerParameter p, string reason) => new($"layer '{p.Name}' ({p.Type}) {reason}", "net");
}
