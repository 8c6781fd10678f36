using DistributedSolver.Backend.Cpu;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Solvers;
using static DistributedSolver.Tests.Layers.LayerTestUtil;
using Placement = DistributedSolver.Proto.SolverParameter.Types.EpsilonPlacement;

namespace DistributedSolver.Tests.Solvers;

/// <summary>
/// Five iterations of every solver, from known weights and a known gradient sequence, against
/// <see cref="ReferenceSolver"/> (double precision, from the published formulas). Two parameters:
/// 37 values at lr_mult 1, decay_mult 1 (two 16-wide vectors and a tail) and 5 values at lr_mult 2,
/// decay_mult 0, so lr_mult and decay_mult are in every case. Each feature — L2 and L1 weight
/// decay, clipping, iter_size, and the extensions — runs with every rule it applies to. The
/// .solverstate history is compared too, set by set, in Caffe's order.
/// </summary>
public sealed class SolverGoldenTests : IDisposable
{
    private const int First = 37, Second = 5, Total = First + Second, Iterations = 5;

    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    /// <summary>
    /// Each rule at the hyperparameters of Caffe's examples, on lr_policy fixed, but with a delta of
    /// 0.01: AdaGrad, RMSProp and Adam are otherwise blind to a constant gradient scale, and the
    /// iter_size case could not fail.
    /// </summary>
    public static SolverParameter Rule(string type)
    {
        var p = new SolverParameter { Type = type, LrPolicy = "fixed", Delta = 0.01f };
        switch (type)
        {
            case "SGD" or "Nesterov":
                p.BaseLr = 0.1f;
                p.Momentum = 0.9f;
                break;
            case "AdaGrad":
                p.BaseLr = 0.1f;
                break;
            case "RMSProp":
                p.BaseLr = 0.01f;
                p.RmsDecay = 0.9f;
                break;
            case "AdaDelta":
                p.BaseLr = 1f;
                p.Momentum = 0.95f;
                p.Delta = 1e-6f;
                break;
            case "Adam":
                p.BaseLr = 0.01f;
                p.Momentum = 0.9f;
                p.Momentum2 = 0.999f;
                break;
        }
        return p;
    }

    private static readonly Dictionary<string, Action<SolverParameter>> Features = new()
    {
        ["plain"] = _ => { },
        ["L2 weight_decay"] = p => p.WeightDecay = 0.05f,
        ["L1 weight_decay"] = p => { p.WeightDecay = 0.05f; p.RegularizationType = "L1"; },
        ["clip_gradients"] = p => p.ClipGradients = 0.5f,
        ["iter_size"] = p => p.IterSize = 3,
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var type in SolverFactory.Types)
        foreach (var feature in Features.Keys)
            cases.Add(type, feature);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Five_steps_match_the_reference(string type, string feature)
    {
        var p = Rule(type);
        Features[feature](p);
        AssertMatchesReference(p);
    }

    public static TheoryData<string> Extensions() =>
        ["Adam amsgrad", "Adam ADD_TO_CORRECTED_ROOT", "Adam amsgrad L1", "AdaGrad UNDER_ROOT", "AdaGrad initial_accumulator_value", "RMSProp UNDER_ROOT"];

    [Theory]
    [MemberData(nameof(Extensions))]
    public void The_extensions_match_the_reference(string name)
    {
        var p = Rule(name.Split(' ')[0]);
        // An ε this large makes every placement visible in the result.
        p.Delta = 0.05f;
        switch (name)
        {
            case "Adam amsgrad":
                p.Amsgrad = true;
                // v decays fast enough here to fall below its running maximum within five steps.
                p.Momentum2 = 0.6f;
                break;
            case "Adam ADD_TO_CORRECTED_ROOT":
                p.EpsilonPlacement = Placement.AddToCorrectedRoot;
                break;
            case "Adam amsgrad L1":
                p.Amsgrad = true;
                p.Momentum2 = 0.6f;
                p.WeightDecay = 0.05f;
                p.RegularizationType = "L1";
                break;
            case "AdaGrad UNDER_ROOT" or "RMSProp UNDER_ROOT":
                p.EpsilonPlacement = Placement.UnderRoot;
                break;
            case "AdaGrad initial_accumulator_value":
                p.InitialAccumulatorValue = 0.1f;
                p.EpsilonPlacement = Placement.UnderRoot;
                break;
        }
        AssertMatchesReference(p);

        // And the extension changes the result, so the comparison could fail.
        var without = p.Clone();
        without.ClearAmsgrad();
        without.ClearEpsilonPlacement();
        without.ClearInitialAccumulatorValue();
        AssertApart(FinalReference(p), FinalReference(without), name);
    }

    [Fact]
    public void The_reference_tells_each_feature_apart()
    {
        // The comparisons above could not fail if a feature left the weights unchanged: each does not.
        foreach (var type in SolverFactory.Types)
        {
            var results = Features.Select(f =>
            {
                var p = Rule(type);
                f.Value(p);
                return (f.Key, Weights: FinalReference(p));
            }).ToList();
            for (int a = 0; a < results.Count; a++)
            for (int b = a + 1; b < results.Count; b++)
                AssertApart(results[a].Weights, results[b].Weights, $"{type}: {results[a].Key} and {results[b].Key}");
        }
    }

    private static double[] FinalReference(SolverParameter p)
    {
        var reference = new ReferenceSolver(p, InitialWeights(), Layout);
        for (int t = 0; t < Iterations; t++) reference.Step(t, Gradient(t));
        return reference.Weights;
    }

    private static void AssertApart(double[] a, double[] b, string what) =>
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() > 1e-3, $"{what} end with the same weights");

    private static readonly (int, int, double, double)[] Layout = [(0, First, 1.0, 1.0), (First, Second, 2.0, 0.0)];

    // Weights from −1.4 to 1.5 that stay clear of 0, so sign(w) (L1) is the same in float and double.
    private static double[] InitialWeights() =>
        Enumerable.Range(0, Total).Select(i => (i % 2 == 0 ? 1 : -1) * (0.4 + (i % 11) * 0.1)).ToArray();

    // Gradients shrink over the iterations, so AMSGrad's maximum differs from v.
    private static double[] Gradient(int t) =>
        Enumerable.Range(0, Total).Select(i => Math.Sin(0.7 * i + 1.3 * t) * (1.0 + 0.2 * (i % 3)) / (1 + t)).ToArray();

    private void AssertMatchesReference(SolverParameter p)
    {
        var weights = _backend.Allocate(Total).View;
        _backend.Upload([.. InitialWeights().Select(v => (float)v)], weights);
        // The solver reads each parameter's shape and its offset into the flat weight buffer.
        var parameters = new[]
        {
            new LearnableParameter(Values(_backend, "ip.w", [First], new float[First]), "ip", 0, 1f, 1f, 0),
            new LearnableParameter(Values(_backend, "ip.b", [Second], new float[Second]), "ip", 1, 2f, 0f, First),
        };
        var solver = SolverFactory.Create(p, parameters, weights, _backend);
        var reference = new ReferenceSolver(p, InitialWeights(), Layout);
        var gradient = _backend.Allocate(Total).View;
        for (int t = 0; t < Iterations; t++)
        {
            var g = Gradient(t);
            _backend.Upload([.. g.Select(v => (float)v)], gradient);
            solver.ApplyUpdate(t, gradient);
            reference.Step(t, g);
            AssertNear(reference.Weights, Read(_backend, weights), $"{p.Type} weights after iteration {t}");
        }
        var state = solver.ToState(Iterations, "m.caffemodel");
        var sets = reference.History;
        Assert.Equal(sets.Length * parameters.Length, state.History.Count);
        for (int set = 0; set < sets.Length; set++)
        for (int k = 0; k < parameters.Length; k++)
        {
            var blob = state.History[set * parameters.Length + k];
            Assert.Equal([(long)parameters[k].Blob.Count], blob.Shape.Dim);
            AssertNear(sets[set].Skip(parameters[k].Offset).Take(parameters[k].Blob.Count).ToArray(), [.. blob.Data], $"{p.Type} history set {set} param {k}");
        }
    }

    private static void AssertNear(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-5 * Math.Max(1.0, Math.Abs(expected[i])),
                $"{what}, element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
