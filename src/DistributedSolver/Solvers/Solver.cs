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
    /// Applies one update with the summed gradient of the iteration's units (overwritten with the
    /// update value) and returns the learning rate used.
    /// </summary>
    public float ApplyUpdate(int iter, BufferView gradient)
    {
        if (gradient.Length != Weights.Length)
            throw new ArgumentException($"gradient of {gradient.Length} values for {Weights.Length} weights", nameof(gradient));
        float rate = LearningRatePolicy.Rate(Parameter, iter);
        ClipGradients(gradient);
        if (Parameter.IterSize > 1) Backend.Scale(1f / Parameter.IterSize, gradient);
        foreach (var p in Parameters)
        {
            var g = gradient.Slice(p.Offset, p.Blob.Count);
            Regularize(p, g);
            ComputeUpdateValue(p, g, rate);
        }
        Backend.Axpy(-1f, gradient, Weights);
        return rate;
    }

    private void ClipGradients(BufferView gradient)
    {
        float clip = Parameter.ClipGradients;
        if (clip < 0) return;
        float norm = MathF.Sqrt(Backend.SumOfSquares(gradient));
        if (norm > clip) Backend.Scale(clip / norm, gradient);
    }

    private void Regularize(LearnableParameter p, BufferView gradient)
    {
        float decay = Parameter.WeightDecay * p.DecayMult;
        if (decay != 0f) Backend.Axpy(decay, Weights.Slice(p.Offset, p.Blob.Count), gradient);
    }

    /// <summary>Turns the regularized gradient of one parameter into the value subtracted from it.</summary>
    protected abstract void ComputeUpdateValue(LearnableParameter p, BufferView gradient, float rate);

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
