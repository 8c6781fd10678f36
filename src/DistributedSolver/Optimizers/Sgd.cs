using DistributedSolver.Proto;

namespace DistributedSolver.Optimizers;

/// <summary>
/// Keras's SGD: type SGD, or Nesterov when <paramref name="nesterov"/>; momentum maps to
/// <c>momentum</c>. Keras's velocity is the negated Caffe history, so the steps are the same.
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(double learningRate = 0.01, double momentum = 0.0, bool nesterov = false) : base(learningRate)
    {
        Momentum = momentum;
        Nesterov = nesterov;
        Check();
    }

    public double Momentum { get; }

    public bool Nesterov { get; }

    protected override void Configure(SolverParameter p)
    {
        p.Type = Nesterov ? "Nesterov" : "SGD";
        p.Momentum = (float)Momentum;
    }
}
