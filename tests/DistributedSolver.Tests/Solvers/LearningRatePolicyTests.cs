using DistributedSolver.Proto;
using DistributedSolver.Solvers;

namespace DistributedSolver.Tests.Solvers;

/// <summary>
/// Each lr_policy at several iterations, step boundaries included. Expected values were computed
/// by hand (Python, double precision) from the formulas in Caffe's solver.proto comments:
/// step: base·γ^⌊it/stepsize⌋; exp: base·γ^it; inv: base·(1+γ·it)^−power;
/// multistep: base·γ^(stepvalues passed); poly: base·(1−it/max_iter)^power;
/// sigmoid: base/(1+e^(−γ(it−stepsize))).
/// </summary>
public sealed class LearningRatePolicyTests
{
    private static SolverParameter Solver(string policy) => new() { BaseLr = 0.01f, LrPolicy = policy };

    private static void AssertRate(SolverParameter p, int iter, double expected) =>
        Assert.Equal(expected, LearningRatePolicy.Rate(p, iter), expected * 1e-6 + 1e-12);

    [Theory]
    [InlineData(0)]
    [InlineData(12345)]
    public void Fixed_is_the_base_rate(int iter) => AssertRate(Solver("fixed"), iter, 0.01);

    [Theory]
    [InlineData(0, 0.01)]
    [InlineData(99, 0.01)]
    [InlineData(100, 0.001)]
    [InlineData(199, 0.001)]
    [InlineData(250, 0.0001)]
    public void Step_drops_by_gamma_every_stepsize(int iter, double expected)
    {
        var p = Solver("step");
        p.Gamma = 0.1f;
        p.Stepsize = 100;
        AssertRate(p, iter, expected);
    }

    [Theory]
    [InlineData(0, 0.01)]
    [InlineData(10, 0.009043820750088045)]
    public void Exp_decays_every_iteration(int iter, double expected)
    {
        var p = Solver("exp");
        p.Gamma = 0.99f;
        AssertRate(p, iter, expected);
    }

    [Theory]
    [InlineData(0, 0.01)]
    [InlineData(37, 0.009972339536968805)]
    [InlineData(1000, 0.009310124446222227)]
    public void Inv_follows_the_inverse_power(int iter, double expected)
    {
        var p = Solver("inv");
        p.Gamma = 1e-4f;
        p.Power = 0.75f;
        AssertRate(p, iter, expected);
    }

    [Theory]
    [InlineData(0, 0.01, 0)]
    [InlineData(99, 0.01, 0)]
    [InlineData(100, 0.005, 1)]
    [InlineData(299, 0.005, 1)]
    [InlineData(300, 0.0025, 2)]
    [InlineData(5000, 0.0025, 2)]
    public void Multistep_drops_at_each_step_value(int iter, double expected, int step)
    {
        var p = Solver("multistep");
        p.Gamma = 0.5f;
        p.Stepvalue.Add([100, 300]);
        AssertRate(p, iter, expected);
        Assert.Equal(step, LearningRatePolicy.CurrentStep(p, iter));
    }

    [Theory]
    [InlineData(0, 0.01)]
    [InlineData(250, 0.005625)]
    [InlineData(500, 0.0025)]
    [InlineData(1000, 0.0)]
    public void Poly_reaches_zero_at_max_iter(int iter, double expected)
    {
        var p = Solver("poly");
        p.Power = 2f;
        p.MaxIter = 1000;
        AssertRate(p, iter, expected);
    }

    [Theory]
    [InlineData(0, 0.009933071490757152)]
    [InlineData(500, 0.005)]
    [InlineData(750, 0.0007585818002124355)]
    public void Sigmoid_is_centred_on_stepsize(int iter, double expected)
    {
        var p = Solver("sigmoid");
        p.Gamma = -0.01f;
        p.Stepsize = 500;
        AssertRate(p, iter, expected);
    }
}
