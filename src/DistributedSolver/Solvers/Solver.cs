using DistributedSolver.Backend;
using DistributedSolver.Nets;
using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>
/// Caffe's update step (SGDSolver::ApplyUpdate and its subclasses) over a net's flat parameter
/// buffer: clip, normalize by iter_size, regularize, compute the update value, subtract. The
/// single-process trainer and the parameter server call exactly this code.
/// </summary>
public abstract class Solver
{
    private readonly DeviceBuffer _history;

    protected Solver(SolverParameter parameter, IReadOnlyList<LearnableParameter> parameters, BufferView weights, IComputeBackend backend)
    {
        Parameter = parameter;
        Parameters = parameters;
        Weights = weights;
        Backend = backend;
        _history = backend.Allocate(weights.Length * HistorySets);
    }

    public SolverParameter Parameter { get; }

    protected IReadOnlyList<LearnableParameter> Parameters { get; }

    protected BufferView Weights { get; }

    protected IComputeBackend Backend { get; }

    /// <summary>How many history blobs each parameter has (Caffe stores set after set: all of set 0, then set 1).</summary>
    protected virtual int HistorySets => 1;

    /// <summary>History set <paramref name="set"/> of parameter <paramref name="index"/>.</summary>
    protected BufferView History(int set, LearnableParameter p) =>
        _history.View.Slice(set * Weights.Length + p.Offset, p.Blob.Count);

    /// <summary>
    /// Applies one update with the summed gradient of the iteration's units and returns the
    /// learning rate used. The gradient is read, never changed, so a caller may keep it.
    /// </summary>
    public float ApplyUpdate(int iter, BufferView gradient)
    {
        if (gradient.Length != Weights.Length)
            throw new ArgumentException($"gradient of {gradient.Length} values for {Weights.Length} weights", nameof(gradient));
        float rate = LearningRatePolicy.Rate(Parameter, iter);
        // Caffe clips on the global L2 norm of the summed gradient, then divides by iter_size; both
        // are one factor on every element, applied inside the solver's fused kernel.
        float scale = ClipScale(gradient) / Parameter.IterSize;
        foreach (var p in Parameters)
            Update(p, Weights.Slice(p.Offset, p.Blob.Count), gradient.Slice(p.Offset, p.Blob.Count),
                scale, Parameter.WeightDecay * p.DecayMult, rate * p.LrMult);
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
    /// One parameter's step: its update from the gradient scaled by <paramref name="gradientScale"/>
    /// plus <paramref name="decay"/>·w (L2), at <paramref name="rate"/> (lr × lr_mult), applied to the weights.
    /// </summary>
    protected abstract void Update(LearnableParameter p, BufferView weights, BufferView gradient,
        float gradientScale, float decay, float rate);

    /// <summary>Caffe's SolverState (history in Caffe's order) for a snapshot at iteration <paramref name="iter"/>.</summary>
    public SolverState ToState(int iter, string learnedNet)
    {
        var state = new SolverState { Iter = iter, LearnedNet = learnedNet, CurrentStep = LearningRatePolicy.CurrentStep(Parameter, iter) };
        for (int set = 0; set < HistorySets; set++)
            foreach (var p in Parameters)
                state.History.Add(BlobCodec.ToProto(p.Blob.Shape, History(set, p), null, Backend));
        return state;
    }

    public void RestoreHistory(SolverState state, string source)
    {
        int expected = HistorySets * Parameters.Count;
        if (state.History.Count != expected)
            throw new InvalidDataException($"{source}: {state.History.Count} history blobs, the {Parameter.Type} solver of this net needs {expected}");
        int i = 0;
        for (int set = 0; set < HistorySets; set++)
            foreach (var p in Parameters)
                BlobCodec.Load(state.History[i++], p.Blob.Shape, History(set, p), Backend, $"{source}: history {i - 1} ({p.LayerName} param {p.Index})");
    }
}
