using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's solver registry: <c>type</c> (or the legacy <c>solver_type</c> enum) to a solver.</summary>
public static class SolverFactory
{
    public static string TypeOf(SolverParameter p)
    {
        if (p.HasType) return p.Type;
        return p.HasSolverType ? p.SolverType switch
        {
            SolverParameter.Types.SolverType.Sgd => "SGD",
            SolverParameter.Types.SolverType.Nesterov => "Nesterov",
            SolverParameter.Types.SolverType.Adagrad => "AdaGrad",
            SolverParameter.Types.SolverType.Rmsprop => "RMSProp",
            SolverParameter.Types.SolverType.Adadelta => "AdaDelta",
            SolverParameter.Types.SolverType.Adam => "Adam",
            _ => p.SolverType.ToString(),
        } : "SGD";
    }

    public static Solver Create(SolverParameter p, Net net, IComputeBackend backend) => TypeOf(p) switch
    {
        "SGD" => new SgdSolver(p, net.Parameters, net.ParameterData, backend),
        var other => throw new SolverConfigurationException("type", $"solver type '{other}' is not available yet (SGD is)"),
    };
}
