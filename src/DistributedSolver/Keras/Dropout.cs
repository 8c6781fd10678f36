using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's Dropout: Caffe's Dropout in place, which like Keras zeroes a fraction
/// <see cref="Rate"/> of the values in training and scales the rest by 1/(1 − rate), and passes
/// values through when evaluating and predicting. Its masks are keyed by the run's seed and the
/// batch's position, so they are the same on every node.
/// </summary>
public sealed class Dropout : KerasLayer
{
    public Dropout(double rate, string? name = null) : base(name)
    {
        // Caffe's layer refuses 1, where nothing would pass.
        if (rate is < 0 or >= 1 || double.IsNaN(rate)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "the rate must be in [0, 1)");
        Rate = rate;
    }

    public double Rate { get; }

    internal override string DefaultName => "dropout";

    internal override int[] OutputShape(int[] input) => input;

    internal override void Emit(NetBuilder net, int[] input, bool withActivation) =>
        net.Add(Name!, "Dropout").DropoutParam = new DropoutParameter { DropoutRatio = (float)Rate };
}
