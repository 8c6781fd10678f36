namespace DistributedSolver.Keras;

/// <summary>Keras's Flatten: Caffe's Flatten, one sample's values in row-major order (channels first).</summary>
public sealed class Flatten(string? name = null) : KerasLayer(name)
{
    internal override string DefaultName => "flatten";

    internal override int[] OutputShape(int[] input) => [input.Aggregate(1, (a, d) => checked(a * d))];

    internal override void Emit(NetBuilder net, int[] input, bool withActivation) => net.Add(Name!, "Flatten", top: Name);
}
