using DistributedSolver.Proto;

namespace DistributedSolver.Optimizers;

/// <summary>
/// Keras's Adam, with Keras's defaults: type Adam, beta1 → <c>momentum</c>, beta2 →
/// <c>momentum2</c>, epsilon → <c>delta</c>, amsgrad → <c>amsgrad</c>. Keras and Caffe place
/// epsilon alike (added to √v of the uncorrected v, the paper's ε̂), so without amsgrad this is
/// Caffe's Adam at Keras's epsilon of 1e-7 (Caffe's default delta is 1e-8).
/// </summary>
public sealed class Adam : Optimizer
{
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : base(learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
        Check();
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public bool Amsgrad { get; }

    protected override void Configure(SolverParameter p)
    {
        p.Type = "Adam";
        p.Momentum = (float)Beta1;
        p.Momentum2 = (float)Beta2;
        p.Delta = (float)Epsilon;
        p.Amsgrad = Amsgrad;
    }
}
