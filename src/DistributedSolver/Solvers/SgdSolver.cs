using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's SGD with momentum: h = momentum·h + lr·lr_mult·g; w −= h.</summary>
public sealed class SgdSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend)
{
    protected override void Update(LearnableParameter p, BufferView weights, BufferView gradient,
        float gradientScale, float decay, float rate) =>
        Backend.SgdUpdate(weights, gradient, History(0, p), gradientScale, decay, Parameter.Momentum, rate);
}
