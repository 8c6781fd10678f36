using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's AdaDelta, with momentum as the decay ρ: hg = ρ·hg + (1 − ρ)·d²;
/// u = d·√((hu + delta) / (hg + delta)); hu = ρ·hu + (1 − ρ)·u²; w −= local_rate·u. Unlike
/// Zeiler's paper, Caffe (and Keras) scale the step by the rate, so base_lr is usually 1.
/// History: every parameter's hg (Caffe's history_), then every parameter's hu (appended by
/// AdaDeltaPreSolve).
/// </summary>
public sealed class AdaDeltaSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend, historySets: 2)
{
    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate) =>
        Backend.AdaDeltaUpdate(weights, gradient, History(0, p), History(1, p), d, Parameter.Momentum, Parameter.Delta, rate);
}
