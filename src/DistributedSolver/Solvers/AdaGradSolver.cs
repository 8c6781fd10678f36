using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's AdaGrad: h += d²; w −= local_rate·d / (√h + delta). With
/// <c>epsilon_placement: UNDER_ROOT</c> and <c>initial_accumulator_value</c> it is Keras's Adagrad
/// (d / √(h + epsilon), h starting at 0.1 there). The history is h.
/// </summary>
public sealed class AdaGradSolver : Solver
{
    public AdaGradSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
        : base(parameter, parameters, weights, backend, historySets: 1)
    {
        // A resumed run overwrites this with the snapshot's history.
        backend.Fill(HistorySet(0), parameter.InitialAccumulatorValue);
    }

    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate) =>
        Backend.AdaGradUpdate(weights, gradient, History(0, p), d, Parameter.Delta,
            Parameter.EpsilonPlacement == SolverParameter.Types.EpsilonPlacement.UnderRoot, rate);
}
