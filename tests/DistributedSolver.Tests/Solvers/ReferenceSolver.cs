using DistributedSolver.Proto;
using Placement = DistributedSolver.Proto.SolverParameter.Types.EpsilonPlacement;

namespace DistributedSolver.Tests.Solvers;

/// <summary>
/// Every update rule in double precision, one element at a time, written from the published
/// formulas rather than from the kernels: Caffe's solver documentation (clip on the global L2 norm,
/// divide by iter_size, add weight_decay·decay_mult·w or ·sign(w), local_rate = lr·lr_mult),
/// Keras's update rules (velocity v = μv − lr·d for SGD and Nesterov), Duchi et al. for AdaGrad,
/// Hinton's RMSProp, Zeiler's Algorithm 1 for AdaDelta (two separate roots, scaled by the rate as
/// Caffe and Keras do), Kingma and Ba for Adam (ε̂ form and Algorithm 1), Reddi et al. / Keras for
/// AMSGrad. Only lr_policy "fixed" is modelled. History is kept in Caffe's .solverstate order.
/// </summary>
internal sealed class ReferenceSolver
{
    private readonly SolverParameter _p;
    private readonly (int Offset, int Count, double LrMult, double DecayMult)[] _parameters;
    private readonly double[] _velocity, _second, _third;

    public ReferenceSolver(SolverParameter p, double[] weights, (int Offset, int Count, double LrMult, double DecayMult)[] parameters)
    {
        _p = p;
        _parameters = parameters;
        Weights = (double[])weights.Clone();
        _velocity = new double[weights.Length];
        _second = new double[weights.Length];
        _third = new double[weights.Length];
        if (p.Type == "AdaGrad") Array.Fill(_velocity, p.InitialAccumulatorValue);
    }

    public double[] Weights { get; }

    /// <summary>The history sets as the .solverstate holds them (set after set), the SGD velocity negated into Caffe's h.</summary>
    public double[][] History => _p.Type switch
    {
        "SGD" or "Nesterov" => [_velocity.Select(v => -v).ToArray()],
        "AdaGrad" or "RMSProp" => [_velocity],
        "AdaDelta" => [_velocity, _second],
        _ => _p.Amsgrad ? [_velocity, _second, _third] : [_velocity, _second],
    };

    public void Step(int iter, double[] summedGradient)
    {
        double norm = Math.Sqrt(summedGradient.Sum(g => g * g));
        double clip = _p.ClipGradients >= 0 && norm > _p.ClipGradients ? _p.ClipGradients / norm : 1.0;
        int t = iter + 1;
        foreach (var (offset, count, lrMult, decayMult) in _parameters)
        {
            double lr = _p.BaseLr * lrMult;
            double decay = _p.WeightDecay * decayMult;
            for (int i = offset; i < offset + count; i++)
            {
                double w = Weights[i];
                double regularizer = _p.RegularizationType == "L1" ? Math.Sign(w) : w;
                double d = summedGradient[i] * clip / _p.IterSize + decay * regularizer;
                Weights[i] = w + Delta(i, d, lr, t);
            }
        }
    }

    // The change to one weight.
    private double Delta(int i, double d, double lr, int t)
    {
        double mu = _p.Momentum, eps = _p.Delta;
        bool underRoot = _p.EpsilonPlacement == Placement.UnderRoot;
        switch (_p.Type)
        {
            case "SGD":
                _velocity[i] = mu * _velocity[i] - lr * d;
                return _velocity[i];
            case "Nesterov":
                _velocity[i] = mu * _velocity[i] - lr * d;
                return mu * _velocity[i] - lr * d;
            case "AdaGrad":
                _velocity[i] += d * d;
                return -lr * d / (underRoot ? Math.Sqrt(_velocity[i] + eps) : Math.Sqrt(_velocity[i]) + eps);
            case "RMSProp":
                _velocity[i] = _p.RmsDecay * _velocity[i] + (1 - _p.RmsDecay) * d * d;
                return -lr * d / (underRoot ? Math.Sqrt(_velocity[i] + eps) : Math.Sqrt(_velocity[i]) + eps);
            case "AdaDelta":
            {
                _velocity[i] = mu * _velocity[i] + (1 - mu) * d * d;
                double step = -Math.Sqrt(_second[i] + eps) / Math.Sqrt(_velocity[i] + eps) * d;
                _second[i] = mu * _second[i] + (1 - mu) * step * step;
                return lr * step;
            }
            default:
            {
                double beta1 = mu, beta2 = _p.Momentum2;
                _velocity[i] = beta1 * _velocity[i] + (1 - beta1) * d;
                _second[i] = beta2 * _second[i] + (1 - beta2) * d * d;
                double v = _second[i];
                if (_p.Amsgrad)
                {
                    _third[i] = Math.Max(_third[i], v);
                    v = _third[i];
                }
                if (_p.EpsilonPlacement == Placement.AddToCorrectedRoot)
                {
                    double mHat = _velocity[i] / (1 - Math.Pow(beta1, t));
                    double vHat = v / (1 - Math.Pow(beta2, t));
                    return -lr * mHat / (Math.Sqrt(vHat) + eps);
                }
                double alpha = lr * Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t));
                return -alpha * _velocity[i] / (Math.Sqrt(v) + eps);
            }
        }
    }
}
