using DistributedSolver.Proto;

namespace DistributedSolver.Optimizers;

/// <summary>
/// Keras's Adadelta, with Keras's defaults: type AdaDelta, rho → <c>momentum</c> (Caffe's name
/// for AdaDelta's decay), epsilon → <c>delta</c>. Keras's and Caffe's steps are the same formula.
/// </summary>
public sealed class AdaDelta : Optimizer
{
    public AdaDelta(double learningRate = 0.001, double rho = 0.95, double epsilon = 1e-7) : base(learningRate)
    {
        Rho = rho;
        Epsilon = epsilon;
        Check();
    }

    public double Rho { get; }

    public double Epsilon { get; }

    protected override void Configure(SolverParameter p)
    {
        p.Type = "AdaDelta";
        p.Momentum = (float)Rho;
        p.Delta = (float)Epsilon;
    }
}
