using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Training;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's update step (SGDSolver::ApplyUpdate and its subclasses) over a net's flat parameter
/// buffer: clip, normalize by iter_size, regularize, compute the update value, subtract. The
/// single-process trainer and the parameter server call exactly this code.
/// </summary>
public abstract class Solver
{
    private readonly DeviceBuffer _history;
    private readonly int _historySets;
    private readonly Regularization _regularization;

    /// <param name="historySets">How many history blobs each parameter has: Caffe's history_ holds
    /// them set after set (all of set 0, then set 1), and so does the .solverstate.</param>
    protected Solver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights,
        IComputeBackend backend, int historySets)
    {
        Parameter = parameter;
        Parameters = parameters;
        Weights = weights;
        Backend = backend;
        _historySets = historySets;
        _history = backend.Allocate(weights.Length * historySets);
        _regularization = parameter.RegularizationType == "L1" ? Regularization.L1 : Regularization.L2;
    }

    public SolverParameter Parameter { get; }

    protected IReadOnlyList<LearnableParameter> Parameters { get; }

    protected BufferView Weights { get; }

    protected IComputeBackend Backend { get; }

    /// <summary>History set <paramref name="set"/> of every parameter, laid out like the weights.</summary>
    protected BufferView HistorySet(int set) => _history.View.Slice(set * Weights.Length, Weights.Length);

    /// <summary>History set <paramref name="set"/> of parameter <paramref name="p"/>.</summary>
    protected BufferView History(int set, LearnableParameter p) => HistorySet(set).Slice(p.Offset, p.Blob.Count);

    /// <summary>
    /// Applies one update with the summed gradient of the iteration's units and returns the
    /// learning rate used. The gradient is read, never changed, so a caller may keep it.
    /// </summary>
    public float ApplyUpdate(int iter, BufferView gradient) => ApplyUpdate(iter, gradient, new ParameterRange(0, Weights.Length));

    /// <summary>
    /// The update of the parameters in <paramref name="range"/> only (whole parameters, a bucket of
    /// <see cref="GradientBuckets"/>), from <paramref name="gradient"/>'s values there: the same
    /// bits as a whole update, since every rule is elementwise. Clipping needs the whole range.
    /// </summary>
    public float ApplyUpdate(int iter, BufferView gradient, ParameterRange range)
    {
        if (gradient.Length != Weights.Length)
            throw new ArgumentException($"gradient of {gradient.Length} values for {Weights.Length} weights", nameof(gradient));
        if (range.Offset < 0 || range.Count < 0 || range.End > Weights.Length)
            throw new ArgumentOutOfRangeException(nameof(range), $"{range} of {Weights.Length} weights");
        bool whole = range.Offset == 0 && range.Count == Weights.Length;
        if (!whole && Parameter.ClipGradients >= 0)
            throw new InvalidOperationException("clip_gradients scales by the norm of the whole gradient: update every parameter at once");
        float rate = LearningRatePolicy.Rate(Parameter, iter);
        // Caffe clips on the global L2 norm of the summed gradient, then divides by iter_size; both
        // are one factor on every element, applied inside the solver's fused kernel.
        float scale = ClipScale(gradient) / Parameter.IterSize;
        foreach (var p in Parameters)
        {
            int end = p.Offset + p.Blob.Count;
            if (end <= range.Offset || p.Offset >= range.End) continue;
            if (p.Offset < range.Offset || end > range.End) throw new ArgumentException($"{range} cuts parameter '{p.LayerName}'[{p.Index}]", nameof(range));
            Update(iter, p, Weights.Slice(p.Offset, p.Blob.Count), gradient.Slice(p.Offset, p.Blob.Count),
                new RegularizedGradient(scale, Parameter.WeightDecay * p.DecayMult, _regularization), rate * p.LrMult);
        }
        return rate;
    }

    private float ClipScale(BufferView gradient)
    {
        float clip = Parameter.ClipGradients;
        if (clip < 0) return 1f;
        float norm = MathF.Sqrt(Backend.SumOfSquares(gradient));
        return norm > clip ? clip / norm : 1f;
    }

    /// <summary>
    /// One parameter's step at iteration <paramref name="iter"/>: the rule's update from
    /// <paramref name="d"/> (the gradient clipped, normalized and regularized) at
    /// <paramref name="rate"/> (Caffe's local_rate, lr × lr_mult), applied to the weights.
    /// </summary>
    protected abstract void Update(int iter, LearnableParameter p, BufferView weights, BufferView gradient,
        RegularizedGradient d, float rate);

    /// <summary>Caffe's SolverState (history in Caffe's order) for a snapshot at iteration <paramref name="iter"/>.</summary>
    public SolverState ToState(int iter, string learnedNet)
    {
        var state = new SolverState { Iter = iter, LearnedNet = learnedNet, CurrentStep = LearningRatePolicy.CurrentStep(Parameter, iter) };
        for (int set = 0; set < _historySets; set++)
            foreach (var p in Parameters)
                state.History.Add(BlobCodec.ToProto(p.Blob.Shape, History(set, p), null, Backend));
        return state;
    }

    public void RestoreHistory(SolverState state, string source)
    {
        int expected = _historySets * Parameters.Count;
        if (state.History.Count != expected)
            throw new InvalidDataException($"{source}: {state.History.Count} history blobs, the {Parameter.Type} solver of this net needs {expected}");
        int i = 0;
        for (int set = 0; set < _historySets; set++)
            foreach (var p in Parameters)
                BlobCodec.Load(state.History[i++], p.Blob.Shape, History(set, p), Backend, $"{source}: history {i - 1} ({p.LayerName} param {p.Index})");
    }
}
