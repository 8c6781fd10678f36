using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>Caffe's SGDSolver::GetLearningRate: the rate of iteration <c>iter</c> under <c>lr_policy</c>.</summary>
public static class LearningRatePolicy
{
    public static readonly IReadOnlyList<string> Names = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];

    public static float Rate(SolverParameter p, int iter)
    {
        double baseLr = p.BaseLr, gamma = p.Gamma, power = p.Power;
        double rate = p.LrPolicy switch
        {
            "fixed" => baseLr,
            "step" or "multistep" => baseLr * Math.Pow(gamma, CurrentStep(p, iter)),
            "exp" => baseLr * Math.Pow(gamma, iter),
            "inv" => baseLr * Math.Pow(1.0 + gamma * iter, -power),
            "poly" => baseLr * Math.Pow(1.0 - (double)iter / p.MaxIter, power),
            "sigmoid" => baseLr * (1.0 / (1.0 + Math.Exp(-gamma * (iter - (double)p.Stepsize)))),
            _ => throw new SolverConfigurationException("lr_policy", $"unknown lr_policy '{p.LrPolicy}' (known: {string.Join(", ", Names)})"),
        };
        return (float)rate;
    }

    /// <summary>Caffe's current_step: how many steps (step: every stepsize; multistep: each step value) iteration <c>iter</c> has passed.</summary>
    public static int CurrentStep(SolverParameter p, int iter) => p.LrPolicy switch
    {
        "multistep" => p.Stepvalue.Count(v => iter >= v),
        "step" => iter / p.Stepsize,
        _ => 0,
    };
}
