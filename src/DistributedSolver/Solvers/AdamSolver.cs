using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's Adam (β1 = momentum, β2 = momentum2, ε = delta): m = β1·m + (1 − β1)·d;
/// v = β2·v + (1 − β2)·d²; w −= local_rate·√(1 − β2^t)/(1 − β1^t) · m / (√v + ε), t = iter + 1.
/// Keras's Adam is the same step (its epsilon is this ε); <c>amsgrad</c> adds its running maximum
/// of v, and <c>epsilon_placement: ADD_TO_CORRECTED_ROOT</c> puts ε on the bias-corrected root as
/// the paper's Algorithm 1 does. History: every parameter's m, then every v (Caffe's order), then
/// with amsgrad every max(v).
/// </summary>
public sealed class AdamSolver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    : Solver(parameter, parameters, weights, backend, historySets: parameter.Amsgrad ? 3 : 2)
{
    protected override void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate)
    {
        // Caffe's correction: pow of the float β's in double, rounded to float once, then one
        // float product with local_rate; a scalar per parameter and iteration, never per element.
        int t = iter + 1;
        double root = Math.Sqrt(1.0 - Math.Pow(Parameter.Momentum2, t));
        float correction = (float)(root / (1.0 - Math.Pow(Parameter.Momentum, t)));
        // m̂ / (√v̂ + ε) = correction · m / (√v + ε·√(1 − β2^t)): the paper's placement is a smaller ε.
        float epsilon = Parameter.EpsilonPlacement == SolverParameter.Types.EpsilonPlacement.AddToCorrectedRoot
            ? (float)(Parameter.Delta * root)
            : Parameter.Delta;
        if (Parameter.Amsgrad)
            Backend.AmsGradUpdate(weights, gradient, History(0, p), History(1, p), History(2, p), d,
                Parameter.Momentum, Parameter.Momentum2, epsilon, rate * correction);
        else
            Backend.AdamUpdate(weights, gradient, History(0, p), History(1, p), d,
                Parameter.Momentum, Parameter.Momentum2, epsilon, rate * correction);
    }
}
