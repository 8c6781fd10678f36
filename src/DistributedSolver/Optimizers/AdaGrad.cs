using DistributedSolver.Proto;

namespace DistributedSolver.Optimizers;

/// <summary>
/// Keras's Adagrad, with Keras's defaults and formula: type AdaGrad with epsilon under the root
/// (d / √(h + epsilon), <c>epsilon_placement: UNDER_ROOT</c>) and the accumulators starting at
/// <paramref name="initialAccumulatorValue"/>. Caffe's AdaGrad divides by √h + delta from h = 0.
/// </summary>
public sealed class AdaGrad : Optimizer
{
    public AdaGrad(double learningRate = 0.001, double initialAccumulatorValue = 0.1, double epsilon = 1e-7) : base(learningRate)
    {
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        Check();
    }

    public double InitialAccumulatorValue { get; }

    public double Epsilon { get; }

    protected override void Configure(SolverParameter p)
    {
        p.Type = "AdaGrad";
        p.Delta = (float)Epsilon;
        p.EpsilonPlacement = SolverParameter.Types.EpsilonPlacement.UnderRoot;
        p.InitialAccumulatorValue = (float)InitialAccumulatorValue;
    }
}
