using DistributedSolver.Proto;

namespace DistributedSolver.Optimizers;

/// <summary>
/// Keras's RMSprop (without its momentum and centered options), with Keras's defaults and formula:
/// type RMSProp, rho → <c>rms_decay</c>, epsilon → <c>delta</c>, epsilon under the root
/// (d / √(h + epsilon), <c>epsilon_placement: UNDER_ROOT</c>). Caffe's RMSProp divides by
/// √h + delta and defaults to rms_decay 0.99.
/// </summary>
public sealed class RmsProp : Optimizer
{
    public RmsProp(double learningRate = 0.001, double rho = 0.9, double epsilon = 1e-7) : base(learningRate)
    {
        Rho = rho;
        Epsilon = epsilon;
        Check();
    }

    public double Rho { get; }

    public double Epsilon { get; }

    protected override void Configure(SolverParameter p)
    {
        p.Type = "RMSProp";
        p.RmsDecay = (float)Rho;
        p.Delta = (float)Epsilon;
        p.EpsilonPlacement = SolverParameter.Types.EpsilonPlacement.UnderRoot;
    }
}
