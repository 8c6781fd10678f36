namespace DistributedSolver.Keras;

/// <summary>Keras's Activation layer: relu, sigmoid, tanh, softmax or linear, as the Caffe neuron layer in place.</summary>
public sealed class Activation : KerasLayer
{
    private readonly string? _activation;

    public Activation(string activation, string? name = null) : base(name)
    {
        _activation = Activations.Check(activation, nameof(activation));
        Function = activation;
    }

    /// <summary>The activation's name as given.</summary>
    public string Function { get; }

    internal override string DefaultName => "activation";

    internal override string? OutputActivation => _activation;

    internal override int[] OutputShape(int[] input) => input;

    internal override void Emit(NetBuilder net, int[] input, bool withActivation) => EmitActivation(net, input, Name!, withActivation);
}
