using DistributedSolver.Proto;
using DistributedSolver.Solvers;

namespace DistributedSolver.Optimizers;

/// <summary>
/// A Keras-style optimizer. It holds no update code: <see cref="ToSolverParameter"/> gives the
/// SolverParameter a solver.prototxt would hold for it, and <see cref="SolverFactory"/> turns that
/// into the same solver the prototxt path runs. Hyperparameters are checked when the optimizer is
/// built, by the prototxt's checks, so a bad value is refused naming the solver field it maps to.
/// </summary>
public abstract class Optimizer
{
    protected Optimizer(double learningRate) => LearningRate = learningRate;

    /// <summary>The constant rate (base_lr with lr_policy "fixed"); a caller may set another lr_policy on the result.</summary>
    public double LearningRate { get; }

    /// <summary>
    /// A new SolverParameter with <c>type</c>, <c>base_lr</c>, <c>lr_policy: "fixed"</c> and the
    /// rule's fields; the caller adds what training needs (max_iter, test and snapshot settings).
    /// </summary>
    public SolverParameter ToSolverParameter()
    {
        var p = new SolverParameter { BaseLr = (float)LearningRate, LrPolicy = "fixed" };
        Configure(p);
        return p;
    }

    /// <summary>Sets <c>type</c> and the rule's hyperparameters.</summary>
    protected abstract void Configure(SolverParameter p);

    /// <summary>Refuses hyperparameters the solver would refuse; each constructor calls it last.</summary>
    /// <exception cref="SolverConfigurationException">Names the solver field of the bad value.</exception>
    protected void Check() => SolverValidation.Validate(ToSolverParameter());
}
