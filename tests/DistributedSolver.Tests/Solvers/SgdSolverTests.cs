using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Solvers;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Solvers;

/// <summary>
/// Three SGD steps from w₀ = (1, −2) with given gradients, lr 0.1, momentum 0.9, weight_decay
/// 0.01. Expected values by hand (Python) from Caffe's SGD: d = g + λ·w; h = μ·h + lr·d; w −= h.
/// </summary>
public sealed class SgdSolverTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private (SgdSolver Solver, Blobs.Blob Weights) Create(SolverParameter p, float lrMult = 1f, float decayMult = 1f)
    {
        var weights = Values(_backend, "w", [2], [1f, -2f]);
        var parameters = new[] { new LearnableParameter(weights, "layer", 0, lrMult, decayMult, 0) };
        return (new SgdSolver(p, parameters, weights.Data, _backend), weights);
    }

    private static SolverParameter Parameter() => new()
    {
        BaseLr = 0.1f, LrPolicy = "fixed", Momentum = 0.9f, WeightDecay = 0.01f, Type = "SGD",
    };

    private static readonly float[][] Gradients = [[0.5f, -1f], [0.25f, 0.5f], [-1f, 2f]];

    [Fact]
    public void Three_steps_match_the_published_update()
    {
        var (solver, weights) = Create(Parameter());
        double[][] expected = [[0.949, -1.898], [0.877151, -1.854302], [0.911609749, -2.013119498]];
        var gradient = _backend.Allocate(2).View;
        for (int t = 0; t < 3; t++)
        {
            _backend.Upload(Gradients[t], gradient);
            Assert.Equal(0.1f, solver.ApplyUpdate(t, gradient));
            var w = Read(_backend, weights.Data);
            Assert.Equal(expected[t][0], w[0], 1e-6);
            Assert.Equal(expected[t][1], w[1], 1e-6);
        }
    }

    [Fact]
    public void Lr_mult_scales_the_step_and_decay_mult_the_decay()
    {
        // One step from h = 0: w₁ = w₀ − lr·lr_mult·(g + λ·decay_mult·w₀).
        var (solver, weights) = Create(Parameter(), lrMult: 2f, decayMult: 0f);
        var gradient = _backend.Allocate(2).View;
        _backend.Upload(Gradients[0], gradient);
        solver.ApplyUpdate(0, gradient);
        var w = Read(_backend, weights.Data);
        Assert.Equal(1 - 0.2 * 0.5, w[0], 1e-6);
        Assert.Equal(-2 - 0.2 * -1, w[1], 1e-6);
    }

    [Fact]
    public void Clip_gradients_rescales_to_the_global_norm_before_decay()
    {
        var p = Parameter();
        p.ClipGradients = 0.5f;
        p.WeightDecay = 0f;
        var (solver, weights) = Create(p);
        var gradient = _backend.Allocate(2).View;
        _backend.Upload([3f, 4f], gradient); // norm 5 → scaled by 0.1 to (0.3, 0.4)
        solver.ApplyUpdate(0, gradient);
        var w = Read(_backend, weights.Data);
        Assert.Equal(1 - 0.1 * 0.3, w[0], 1e-6);
        Assert.Equal(-2 - 0.1 * 0.4, w[1], 1e-6);
    }

    [Fact]
    public void Iter_size_divides_the_summed_gradient()
    {
        var p = Parameter();
        p.IterSize = 4;
        p.WeightDecay = 0f;
        var (solver, weights) = Create(p);
        var gradient = _backend.Allocate(2).View;
        _backend.Upload([4f, -8f], gradient);
        solver.ApplyUpdate(0, gradient);
        var w = Read(_backend, weights.Data);
        Assert.Equal(1 - 0.1 * 1, w[0], 1e-6);
        Assert.Equal(-2 - 0.1 * -2, w[1], 1e-6);
    }

    [Fact]
    public void History_round_trips_through_a_solver_state()
    {
        var (solver, _) = Create(Parameter());
        var gradient = _backend.Allocate(2).View;
        _backend.Upload(Gradients[0], gradient);
        solver.ApplyUpdate(0, gradient);
        var state = solver.ToState(1, "model.caffemodel");
        Assert.Equal(1, state.Iter);
        var history = Assert.Single(state.History);
        Assert.Equal(0.051, history.Data[0], 1e-6);
        Assert.Equal(-0.102, history.Data[1], 1e-6);
        Assert.Equal([2L], history.Shape.Dim);

        var (restored, _) = Create(Parameter());
        restored.RestoreHistory(state, "test");
        Assert.Equal(state, restored.ToState(1, "model.caffemodel"));
    }

    [Fact]
    public void A_state_with_the_wrong_history_is_refused()
    {
        var (solver, _) = Create(Parameter());
        var state = solver.ToState(0, "m");
        state.History.Add(state.History[0]);
        var e = Assert.Throws<InvalidDataException>(() => solver.RestoreHistory(state, "x.solverstate"));
        Assert.Contains("x.solverstate", e.Message);
    }
}
