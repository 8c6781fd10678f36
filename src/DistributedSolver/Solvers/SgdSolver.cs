using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's SGD with momentum: h = momentum·h + lr·lr_mult·g; w −= h.</summary>
public sealed class SgdSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend)
{
    protected override void ComputeUpdateValue(LearnableParameter p, BufferView gradient, float rate) =>
        Backend.SgdUpdate(gradient, History(0, p), Parameter.Momentum, rate * p.LrMult);
}
