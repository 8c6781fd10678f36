using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's solver registry: <c>type</c> to a solver (legacy <c>solver_type</c> is upgraded on load).</summary>
public static class SolverFactory
{
    public static Solver Create(SolverParameter p, Net net, IComputeBackend backend) => p.Type switch
    {
        "SGD" => new SgdSolver(p, net.Parameters, net.ParameterData, backend),
        var other => throw new SolverConfigurationException("type", $"solver type '{other}' is not available yet (SGD is)"),
    };
}
