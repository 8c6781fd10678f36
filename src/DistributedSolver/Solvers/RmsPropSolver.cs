using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's RMSProp: h = rms_decay·h + (1 − rms_decay)·d²; w −= local_rate·d / (√h + delta).
/// With <c>epsilon_placement: UNDER_ROOT</c> the denominator is √(h + delta), as in Keras's
/// RMSprop (without its momentum and centered options). The history is h.
/// </summary>
public sealed class RmsPropSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend, historySets: 1)
{
    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate) =>
        Backend.RmsPropUpdate(weights, gradient, History(0, p), d, Parameter.RmsDecay, Parameter.Delta,
            Parameter.EpsilonPlacement == SolverParameter.Types.EpsilonPlacement.UnderRoot, rate);
}
