using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using DistributedSolver.Solvers;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Optimizers;

/// <summary>
/// The C# optimizers: Keras's names and defaults, the SolverParameter a prototxt would hold, and
/// five steps through the factory's solver against Keras's update rules (keras/optimizers/*.py,
/// update_step) written out in double precision below.
/// </summary>
public sealed class OptimizerTests : IDisposable
{
    private const int Length = 21;

    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private static SolverParameter Prototxt(string text) => PrototxtParser.Parse<SolverParameter>(text, "solver.prototxt");

    private static readonly Dictionary<string, (Func<Optimizer> Build, string Prototxt)> Mappings = new()
    {
        ["Sgd()"] = (() => new Sgd(), "type: 'SGD' base_lr: 0.01 lr_policy: 'fixed' momentum: 0"),
        ["Sgd(nesterov)"] = (() => new Sgd(learningRate: 0.05, momentum: 0.9, nesterov: true),
            "type: 'Nesterov' base_lr: 0.05 lr_policy: 'fixed' momentum: 0.9"),
        ["Adam()"] = (() => new Adam(), "type: 'Adam' base_lr: 0.001 lr_policy: 'fixed' momentum: 0.9 momentum2: 0.999 delta: 1e-7 amsgrad: false"),
        ["Adam(amsgrad)"] = (() => new Adam(learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: true),
            "type: 'Adam' base_lr: 0.001 lr_policy: 'fixed' momentum: 0.9 momentum2: 0.999 delta: 1e-7 amsgrad: true"),
        ["AdaGrad()"] = (() => new AdaGrad(),
            "type: 'AdaGrad' base_lr: 0.001 lr_policy: 'fixed' delta: 1e-7 epsilon_placement: UNDER_ROOT initial_accumulator_value: 0.1"),
        ["AdaDelta()"] = (() => new AdaDelta(), "type: 'AdaDelta' base_lr: 0.001 lr_policy: 'fixed' momentum: 0.95 delta: 1e-7"),
        ["RmsProp()"] = (() => new RmsProp(), "type: 'RMSProp' base_lr: 0.001 lr_policy: 'fixed' rms_decay: 0.9 delta: 1e-7 epsilon_placement: UNDER_ROOT"),
    };

    public static TheoryData<string> MappingNames() => [.. Mappings.Keys];

    [Theory]
    [MemberData(nameof(MappingNames))]
    public void Each_optimizer_is_the_solver_parameter_a_prototxt_would_hold(string name)
    {
        var (build, prototxt) = Mappings[name];
        Assert.Equal(Prototxt(prototxt), build().ToSolverParameter());
    }

    [Fact]
    public void Each_call_gives_a_new_parameter_the_caller_may_change()
    {
        var adam = new Adam();
        var p = adam.ToSolverParameter();
        p.MaxIter = 100;
        Assert.False(adam.ToSolverParameter().HasMaxIter);
    }

    private static readonly Dictionary<string, (Func<Optimizer> Build, string Field)> BadCalls = new()
    {
        ["Sgd(momentum: 1.5)"] = (() => new Sgd(momentum: 1.5), "momentum"),
        ["Sgd(learningRate: -1)"] = (() => new Sgd(learningRate: -1), "base_lr"),
        ["Adam(beta2: 1)"] = (() => new Adam(beta2: 1), "momentum2"),
        ["Adam(beta1: -0.1)"] = (() => new Adam(beta1: -0.1), "momentum"),
        ["Adam(epsilon: 0)"] = (() => new Adam(epsilon: 0), "delta"),
        ["AdaGrad(initialAccumulatorValue: -1)"] = (() => new AdaGrad(initialAccumulatorValue: -1), "initial_accumulator_value"),
        ["AdaDelta(rho: 1)"] = (() => new AdaDelta(rho: 1), "momentum"),
        ["RmsProp(rho: 1)"] = (() => new RmsProp(rho: 1), "rms_decay"),
    };

    public static TheoryData<string> BadCallNames() => [.. BadCalls.Keys];

    [Theory]
    [MemberData(nameof(BadCallNames))]
    public void A_bad_hyperparameter_is_refused_when_the_optimizer_is_built(string call)
    {
        var (build, field) = BadCalls[call];
        Assert.Equal(field, Assert.Throws<SolverConfigurationException>(build).Field);
    }

    public static TheoryData<string> KerasRules() =>
        ["SGD", "SGD momentum", "SGD nesterov", "Adam", "Adam amsgrad", "Adagrad", "Adadelta", "RMSprop"];

    [Theory]
    [MemberData(nameof(KerasRules))]
    public void Five_steps_follow_Keras_update_rules(string rule)
    {
        // Keras's variables: w, and per element m (momentum / accumulator / first moment),
        // v (second moment / accumulated delta), vHat (AMSGrad's maximum).
        double[] w = [.. Enumerable.Range(0, Length).Select(i => Math.Cos(i) * 2)];
        double[] m = new double[Length], v = new double[Length], vHat = new double[Length];
        (Optimizer Optimizer, Action<int, int, double> Step) keras = rule switch
        {
            "SGD" => (new Sgd(learningRate: 0.1), (_, i, g) => w[i] -= g * 0.1),
            "SGD momentum" => (new Sgd(learningRate: 0.1, momentum: 0.9), (_, i, g) =>
            {
                m[i] = m[i] * 0.9 - g * 0.1;
                w[i] += m[i];
            }),
            "SGD nesterov" => (new Sgd(learningRate: 0.1, momentum: 0.9, nesterov: true), (_, i, g) =>
            {
                m[i] = m[i] * 0.9 - g * 0.1;
                w[i] += m[i] * 0.9 - g * 0.1;
            }),
            "Adam" or "Adam amsgrad" => (new Adam(learningRate: 0.01, amsgrad: rule == "Adam amsgrad"), (t, i, g) =>
            {
                double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, step = t + 1;
                double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step));
                m[i] += (g - m[i]) * (1 - beta1);
                v[i] += (g * g - v[i]) * (1 - beta2);
                vHat[i] = Math.Max(vHat[i], v[i]);
                w[i] -= m[i] * alpha / (Math.Sqrt(rule == "Adam" ? v[i] : vHat[i]) + epsilon);
            }),
            "Adagrad" => (new AdaGrad(learningRate: 0.1), (t, i, g) =>
            {
                if (t == 0) m[i] = 0.1; // initial_accumulator_value
                m[i] += g * g;
                w[i] -= 0.1 * g / Math.Sqrt(m[i] + 1e-7);
            }),
            "Adadelta" => (new AdaDelta(learningRate: 1.0), (_, i, g) =>
            {
                double rho = 0.95, epsilon = 1e-7;
                m[i] = rho * m[i] + (1 - rho) * g * g;
                double delta = -Math.Sqrt(v[i] + epsilon) * g / Math.Sqrt(m[i] + epsilon);
                v[i] = rho * v[i] + (1 - rho) * delta * delta;
                w[i] += 1.0 * delta;
            }),
            _ => (new RmsProp(learningRate: 0.01), (_, i, g) =>
            {
                m[i] = 0.9 * m[i] + 0.1 * g * g;
                w[i] -= 0.01 * g / Math.Sqrt(m[i] + 1e-7);
            }),
        };

        var weights = _backend.Allocate(Length).View;
        _backend.Upload([.. w.Select(x => (float)x)], weights);
        var parameter = new LearnableParameter(Values(_backend, "w", [Length], new float[Length]), "ip", 0, 1f, 1f, 0);
        var solver = SolverFactory.Create(keras.Optimizer.ToSolverParameter(), [parameter], weights, _backend);
        var gradient = _backend.Allocate(Length).View;
        for (int t = 0; t < 5; t++)
        {
            double[] g = [.. Enumerable.Range(0, Length).Select(i => Math.Sin(0.9 * i + t) / (1 + t))];
            _backend.Upload([.. g.Select(x => (float)x)], gradient);
            solver.ApplyUpdate(t, gradient);
            for (int i = 0; i < Length; i++) keras.Step(t, i, g[i]);
            var actual = Read(_backend, weights);
            for (int i = 0; i < Length; i++)
                Assert.True(Math.Abs(w[i] - actual[i]) <= 2e-5 * Math.Max(1, Math.Abs(w[i])),
                    $"{rule} step {t} element {i}: Keras {w[i]}, here {actual[i]}");
        }
    }
}
