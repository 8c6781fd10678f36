using System.Diagnostics;
using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's solver registry: <c>type</c> to a solver (legacy <c>solver_type</c> is upgraded on load).
/// The prototxt path and the C# optimizers (<see cref="Optimizers.Optimizer"/>) both come here.
/// </summary>
public static class SolverFactory
{
    public static readonly IReadOnlyList<string> Types = ["SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"];

    public static Solver Create(SolverParameter p, Net net, IComputeBackend backend) =>
        Create(p, net.Parameters, net.ParameterData, backend);

    /// <summary>A solver over <paramref name="weights"/>, the flat buffer the parameters point into (a parameter server holds no net).</summary>
    /// <exception cref="SolverConfigurationException">A value that cannot train, naming its field.</exception>
    public static Solver Create(SolverParameter p, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    {
        SolverValidation.Validate(p);
        return p.Type switch
        {
            "SGD" => new SgdSolver(p, parameters, weights, backend),
            "Nesterov" => new NesterovSolver(p, parameters, weights, backend),
            "AdaGrad" => new AdaGradSolver(p, parameters, weights, backend),
            "RMSProp" => new RmsPropSolver(p, parameters, weights, backend),
            "AdaDelta" => new AdaDeltaSolver(p, parameters, weights, backend),
            "Adam" => new AdamSolver(p, parameters, weights, backend),
            var other => throw new UnreachableException($"SolverValidation let the unknown type '{other}' through"),
        };
    }
}
