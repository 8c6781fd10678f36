using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using DistributedSolver.Solvers;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Solvers;

/// <summary>Hyperparameters that cannot train are refused before training, naming the field; Caffe's example settings pass.</summary>
public sealed class SolverValidationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-validation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // A valid base_lr and lr_policy unless the case sets its own.
    private static SolverParameter Parse(string text) => PrototxtParser.Parse<SolverParameter>(
        (text.Contains("base_lr") ? "" : "base_lr: 0.01 ") + (text.Contains("lr_policy") ? "" : "lr_policy: 'fixed' ") + text, "solver.prototxt");

    [Theory]
    [InlineData("base_lr: -0.1", "base_lr", "must be a finite value ≥ 0")]
    [InlineData("momentum: 1", "momentum", "must be in [0, 1) for SGD")]
    [InlineData("type: 'Nesterov' momentum: 1.5", "momentum", "must be in [0, 1) for Nesterov")]
    [InlineData("momentum: -0.1", "momentum", "must be in [0, 1)")]
    [InlineData("lr_policy: 'step' gamma: 0.1", "stepsize", "must be positive for lr_policy step")]
    [InlineData("lr_policy: 'multistep' gamma: 0.1", "stepvalue", "is required for lr_policy multistep")]
    [InlineData("type: 'Adamax'", "type", "unknown solver type 'Adamax' (known: SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam)")]
    [InlineData("type: 'sgd'", "type", "unknown solver type 'sgd'")]
    [InlineData("type: 'Adam' momentum: 0.9 momentum2: 1", "momentum2", "is Adam's β2 and must be in [0, 1), got 1")]
    [InlineData("type: 'Adam' momentum2: -0.5", "momentum2", "is Adam's β2")]
    [InlineData("type: 'Adam' momentum: 1", "momentum", "is Adam's β1 and must be in [0, 1)")]
    [InlineData("type: 'Adam' delta: 0", "delta", "must be a finite value > 0 (it keeps Adam's division finite), got 0")]
    [InlineData("type: 'AdaGrad' delta: -1e-8", "delta", "must be a finite value > 0")]
    [InlineData("type: 'AdaDelta' momentum: 0.95 delta: 0", "delta", "must be a finite value > 0")]
    [InlineData("type: 'RMSProp' rms_decay: 1", "rms_decay", "must be in [0, 1), got 1")]
    [InlineData("type: 'RMSProp' rms_decay: -0.5", "rms_decay", "must be in [0, 1)")]
    [InlineData("type: 'RMSProp' momentum: 0.9", "momentum", "must be 0 for RMSProp (it has no momentum term)")]
    [InlineData("type: 'AdaGrad' momentum: 0.9", "momentum", "must be 0 for AdaGrad")]
    [InlineData("type: 'AdaDelta' momentum: 1", "momentum", "is AdaDelta's decay rate and must be in [0, 1)")]
    [InlineData("regularization_type: 'L3' weight_decay: 0.1", "regularization_type", "must be L2 or L1, got 'L3'")]
    [InlineData("weight_decay: -0.0005", "weight_decay", "must be a finite value ≥ 0")]
    [InlineData("amsgrad: true", "amsgrad", "applies to Adam only, not SGD")]
    [InlineData("type: 'AdaDelta' momentum: 0.95 epsilon_placement: UNDER_ROOT", "epsilon_placement", "applies to AdaGrad, RMSProp and Adam, not AdaDelta")]
    [InlineData("type: 'Adam' epsilon_placement: UNDER_ROOT", "epsilon_placement", "Adam takes ADD_TO_ROOT or ADD_TO_CORRECTED_ROOT, not UNDER_ROOT")]
    [InlineData("type: 'RMSProp' epsilon_placement: ADD_TO_CORRECTED_ROOT", "epsilon_placement", "RMSProp takes ADD_TO_ROOT or UNDER_ROOT")]
    [InlineData("type: 'Adam' initial_accumulator_value: 0.1", "initial_accumulator_value", "applies to AdaGrad only, not Adam")]
    [InlineData("type: 'AdaGrad' initial_accumulator_value: -0.1", "initial_accumulator_value", "must be a finite value ≥ 0")]
    public void A_value_that_cannot_train_is_refused_naming_its_field(string text, string field, string message)
    {
        var e = Assert.Throws<SolverConfigurationException>(() => SolverValidation.Validate(Parse(text)));
        Assert.Equal(field, e.Field);
        Assert.Contains(message, e.Message);
        Assert.StartsWith(field + ": ", e.Message);
    }

    [Theory]
    [InlineData("momentum: 0.9 weight_decay: 0.0005")]
    [InlineData("regularization_type: 'L1' weight_decay: 0.0005")]
    [InlineData("type: 'Nesterov' momentum: 0.95")]
    [InlineData("type: 'AdaGrad'")]
    [InlineData("type: 'AdaGrad' epsilon_placement: UNDER_ROOT initial_accumulator_value: 0.1 delta: 1e-7")]
    [InlineData("type: 'RMSProp' rms_decay: 0.98")]
    [InlineData("type: 'RMSProp' rms_decay: 0 epsilon_placement: UNDER_ROOT")]
    [InlineData("type: 'AdaDelta' momentum: 0.95 delta: 1e-6")]
    [InlineData("type: 'Adam' momentum: 0.9 momentum2: 0.999 delta: 1e-8")]
    [InlineData("type: 'Adam' momentum: 0 momentum2: 0 amsgrad: true epsilon_placement: ADD_TO_CORRECTED_ROOT")]
    [InlineData("amsgrad: false epsilon_placement: ADD_TO_ROOT type: 'Adam'")]
    public void Caffes_and_Keras_settings_pass(string text) => SolverValidation.Validate(Parse(text));

    [Fact]
    public void A_solver_file_with_a_bad_value_is_refused_at_load_naming_the_field()
    {
        File.WriteAllText(Path.Combine(_directory, "net.prototxt"), "name: 'n'");
        string solver = Path.Combine(_directory, "solver.prototxt");
        File.WriteAllText(solver, "net: 'net.prototxt' base_lr: 0.001 lr_policy: 'fixed' type: 'Adam' momentum: 0.9 momentum2: 1.0\n");
        var e = Assert.Throws<SolverConfigurationException>(() => TrainingDefinition.Load(solver));
        Assert.Equal("momentum2", e.Field);
    }

    [Theory]
    [InlineData("SGD", typeof(SgdSolver))]
    [InlineData("NESTEROV", typeof(NesterovSolver))]
    [InlineData("ADAGRAD", typeof(AdaGradSolver))]
    [InlineData("RMSPROP", typeof(RmsPropSolver))]
    [InlineData("ADADELTA", typeof(AdaDeltaSolver))]
    [InlineData("ADAM", typeof(AdamSolver))]
    public void Every_legacy_solver_type_builds_its_solver(string solverType, Type expected)
    {
        var p = PrototxtParser.Parse<SolverParameter>($"base_lr: 0.01 lr_policy: 'fixed' solver_type: {solverType}", "solver.prototxt");
        NetUpgrader.UpgradeSolverType(p, "solver.prototxt");
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        var weights = Values(backend, "w", [3], [1f, 2f, 3f]);
        var solver = SolverFactory.Create(p, [new LearnableParameter(weights, "ip", 0, 1f, 1f, 0)], weights.Data, backend);
        Assert.IsType(expected, solver);
    }

    [Fact]
    public void The_factory_validates_before_it_builds()
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        var weights = Values(backend, "w", [1], [1f]);
        var e = Assert.Throws<SolverConfigurationException>(() =>
            SolverFactory.Create(Parse("type: 'Adam' momentum2: 1"), [new LearnableParameter(weights, "ip", 0, 1f, 1f, 0)], weights.Data, backend));
        Assert.Equal("momentum2", e.Field);
    }
}
