using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Solvers;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Solvers;

/// <summary>
/// A convex problem with a known optimum: least squares y = X·w + b over 32 samples and 4
/// features, with y made from w* = (1, −2, 0.5, 3) and b* = 0.7, so the minimum is exactly there.
/// Every solver, from zero, reaches it within 1e-3 in 2000 iterations. The loss gradient
/// (1/n)·Xᵀ(Xw + b − y) is computed here in double. The adaptive rules' steps do not shrink
/// with the gradient, so RMSProp and Adam decay their rate (lr_policy exp), as one would.
/// </summary>
public sealed class LeastSquaresTests
{
    private const int Samples = 32, Features = 4, Iterations = 2000;
    private static readonly double[] Optimum = [1.0, -2.0, 0.5, 3.0, 0.7];

    private static SolverParameter Decaying(SolverParameter p)
    {
        p.LrPolicy = "exp";
        p.Gamma = 0.995f;
        return p;
    }

    private static readonly Dictionary<string, Func<SolverParameter>> Solvers = new()
    {
        ["SGD"] = () => new Sgd(learningRate: 0.1, momentum: 0.9).ToSolverParameter(),
        ["Nesterov"] = () => new Sgd(learningRate: 0.1, momentum: 0.9, nesterov: true).ToSolverParameter(),
        ["AdaGrad (Caffe)"] = () => new SolverParameter { Type = "AdaGrad", BaseLr = 0.5f, LrPolicy = "fixed" },
        ["AdaGrad (Keras)"] = () => new AdaGrad(learningRate: 0.5).ToSolverParameter(),
        ["RMSProp (Caffe)"] = () => Decaying(new SolverParameter { Type = "RMSProp", BaseLr = 0.05f, RmsDecay = 0.9f }),
        ["RMSProp (Keras)"] = () => Decaying(new RmsProp(learningRate: 0.05).ToSolverParameter()),
        ["AdaDelta"] = () => new SolverParameter { Type = "AdaDelta", BaseLr = 1f, LrPolicy = "fixed", Momentum = 0.95f, Delta = 1e-6f },
        ["Adam (Caffe)"] = () => Decaying(new SolverParameter { Type = "Adam", BaseLr = 0.1f, Momentum = 0.9f, Momentum2 = 0.999f }),
        ["Adam (Keras, amsgrad)"] = () => Decaying(new Adam(learningRate: 0.1, amsgrad: true).ToSolverParameter()),
        ["Adam (corrected root)"] = () =>
        {
            var p = Decaying(new Adam(learningRate: 0.1).ToSolverParameter());
            p.EpsilonPlacement = SolverParameter.Types.EpsilonPlacement.AddToCorrectedRoot;
            return p;
        },
    };

    public static TheoryData<string> Names() => [.. Solvers.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_solver_reaches_the_least_squares_optimum(string name)
    {
        double[,] x = new double[Samples, Features];
        double[] y = new double[Samples];
        for (int i = 0; i < Samples; i++)
        {
            y[i] = Optimum[Features];
            for (int j = 0; j < Features; j++)
            {
                x[i, j] = Math.Sin(1.3 * i + 2.1 * j + 0.5 * i * j);
                y[i] += x[i, j] * Optimum[j];
            }
        }

        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        var weights = backend.Allocate(Features + 1).View;
        var parameters = new[]
        {
            new LearnableParameter(Values(backend, "w", [1, Features], new float[Features]), "ip", 0, 1f, 1f, 0),
            new LearnableParameter(Values(backend, "b", [1], [0f]), "ip", 1, 1f, 1f, Features),
        };
        var solver = SolverFactory.Create(Solvers[name](), parameters, weights, backend);
        var gradient = backend.Allocate(Features + 1).View;
        for (int iter = 0; iter < Iterations; iter++)
        {
            var w = Read(backend, weights);
            var g = new double[Features + 1];
            for (int i = 0; i < Samples; i++)
            {
                double residual = w[Features] - y[i];
                for (int j = 0; j < Features; j++) residual += x[i, j] * w[j];
                for (int j = 0; j < Features; j++) g[j] += x[i, j] * residual / Samples;
                g[Features] += residual / Samples;
            }
            backend.Upload([.. g.Select(v => (float)v)], gradient);
            solver.ApplyUpdate(iter, gradient);
        }

        var final = Read(backend, weights);
        for (int j = 0; j <= Features; j++)
            Assert.True(Math.Abs(final[j] - Optimum[j]) < 1e-3, $"{name}: parameter {j} is {final[j]}, the optimum {Optimum[j]}");
    }
}
