using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's Nesterov accelerated gradient: h' = momentum·h + local_rate·d;
/// w −= (1 + momentum)·h' − momentum·h. The same step as Keras's SGD(nesterov=True) with its
/// velocity negated. The history is h, as for SGD.
/// </summary>
public sealed class NesterovSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend, historySets: 1)
{
    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate) =>
        Backend.NesterovUpdate(weights, gradient, History(0, p), d, Parameter.Momentum, rate);
}
