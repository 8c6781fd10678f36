using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Layer: set up once (shapes, learnable parameters), then forward and backward over
/// blobs, written only against <see cref="IComputeBackend"/>.
/// </summary>
public abstract class Layer
{
    private readonly List<Blob> _parameters = [];

    protected Layer(LayerParameter parameter, IComputeBackend backend)
    {
        Parameter = parameter;
        Backend = backend;
    }

    public LayerParameter Parameter { get; }

    public string Name => Parameter.Name;

    public string Type => Parameter.Type;

    protected IComputeBackend Backend { get; }

    /// <summary>The learnable parameters, in Caffe's order (weights, then bias).</summary>
    public IReadOnlyList<Blob> Parameters => _parameters;

    private readonly List<bool> _parameterLearns = [];

    /// <summary>
    /// Caffe's param_propagate_down: a parameter with lr_mult 0 is frozen and gets no gradient, so
    /// its diff stays zero (and does not count in clip_gradients' norm).
    /// </summary>
    public bool Learns(int parameter) => _parameterLearns[parameter];

    public void SetLearns(int parameter, bool learns) => _parameterLearns[parameter] = learns;

    /// <summary>The number of bottoms and tops this layer accepts.</summary>
    protected abstract (int Min, int Max) BottomCount { get; }

    protected abstract (int Min, int Max) TopCount { get; }

    /// <summary>Loss layers weigh their first top by 1 unless the net says otherwise.</summary>
    public virtual bool IsLoss => false;

    /// <summary>Whether gradients may flow into bottom <paramref name="index"/> (not into labels).</summary>
    public virtual bool CanPropagateTo(int index) => true;

    /// <summary>
    /// Checks the bottoms, shapes the tops and declares the parameters (their storage is bound
    /// afterwards by the net, into its flat buffers).
    /// </summary>
    public void SetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        CheckCount("bottom", bottom.Count, BottomCount);
        CheckCount("top", top.Count, TopCount);
        LayerSetUp(bottom, top);
    }

    protected abstract void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Fills the parameters with their fillers; called once their storage is bound.</summary>
    public virtual void FillParameters(Random random)
    {
    }

    public abstract void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Adds parameter gradients into the parameters' diffs and writes the bottoms' diffs.</summary>
    public abstract void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom);

    protected Blob AddParameter(string role, params int[] shape)
    {
        var blob = new Blob($"{Name}.{role}");
        blob.SetShape(shape);
        _parameters.Add(blob);
        _parameterLearns.Add(true);
        return blob;
    }

    protected NetConfigurationException Error(string message) => new($"layer '{Name}' ({Type}): {message}");

    /// <summary>Bad data met while running (a label out of range): the same fault, with this layer named.</summary>
    protected InvalidDataException DataError(InvalidDataException e) => new($"layer '{Name}' ({Type}): {e.Message}", e);

    private void CheckCount(string what, int count, (int Min, int Max) allowed)
    {
        if (count < allowed.Min || count > allowed.Max)
        {
            string expected = allowed.Min == allowed.Max ? $"{allowed.Min}" : $"{allowed.Min} to {allowed.Max}";
            throw Error($"takes {expected} {what} blob(s), got {count}");
        }
    }
}
