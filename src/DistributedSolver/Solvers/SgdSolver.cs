using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's SGD with momentum: h = momentum·h + local_rate·d; w −= h.</summary>
public sealed class SgdSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend, historySets: 1)
{
    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate) =>
        Backend.SgdUpdate(weights, gradient, History(0, p), d, Parameter.Momentum, rate);
}
