using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using DistributedSolver.Randomness;

namespace DistributedSolver.Nets;

/// <summary>
/// Caffe's Net: the layers of one phase wired by blob names. All learnable parameters live in one
/// flat buffer (<see cref="ParameterData"/>) and their gradients in another
/// (<see cref="ParameterDiff"/>), in layer order: the solver updates and the cluster ships whole
/// spans, never per-blob pieces.
/// </summary>
public sealed class Net
{
    private readonly IComputeBackend _backend;
    private readonly List<Layer> _layers = [];
    private readonly List<Blob[]> _bottoms = [];
    private readonly List<Blob[]> _tops = [];
    private readonly List<bool[]> _propagateDown = [];
    private readonly List<bool> _needsBackward = [];
    // Where each layer's parameters start in the flat buffers; −1 for a layer without any.
    private int[] _firstParameter = [];
    private readonly List<(Blob Blob, float Weight)> _lossTops = [];
    private readonly List<LearnableParameter> _parameters = [];
    private readonly List<NetOutput> _outputs = [];
    private readonly List<IBatchSource> _sources = [];
    private readonly int _seed;

    public Net(NetParameter definition, Phase phase, IComputeBackend backend, NetContext context, Net? shareWith = null)
    {
        _backend = backend;
        _seed = context.Seed;
        Name = definition.Name;
        var state = new NetState { Phase = phase };
        var net = SplitInsertion.Apply(NetFilter.Filter(definition, state));
        var blobs = new Dictionary<string, Blob>();
        var consumed = new HashSet<Blob>();
        var blobNeedsBackward = new Dictionary<Blob, bool>();

        var names = new HashSet<string>();
        foreach (var p in net.Layer)
        {
            if (string.IsNullOrEmpty(p.Type)) throw new NetConfigurationException($"layer '{p.Name}' has no type");
            // Caffe's Net::Init: a layer without a phase of its own runs in the net's (Dropout reads it).
            if (!p.HasPhase) p.Phase = phase;
            // Weights are matched by layer name (snapshots, --weights, the test net): names must be unique.
            if (!names.Add(p.Name)) throw new NetConfigurationException($"two layers are named '{p.Name}'; layer names must be unique in a phase");
            var layer = LayerFactory.Create(p, backend, context);
            var bottom = p.Bottom.Select(name => blobs[name]).ToArray();
            var top = new Blob[p.Top.Count];
            for (int t = 0; t < top.Length; t++)
            {
                string name = p.Top[t];
                if (blobs.TryGetValue(name, out var existing))
                {
                    if (!p.Bottom.Contains(name))
                        throw new NetConfigurationException($"layer '{p.Name}': top blob '{name}' is produced by more than one layer");
                    top[t] = existing;
                }
                else
                {
                    top[t] = blobs[name] = new Blob(name);
                }
            }
            foreach (var b in bottom) consumed.Add(b);
            // Caffe's AppendTop makes a top available again, so an in-place layer's blob is an output until read.
            foreach (var t in top) consumed.Remove(t);
            try
            {
                layer.SetUp(bottom, top);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                throw new NetConfigurationException($"layer '{p.Name}' ({p.Type}): {e.Message}", e);
            }
            foreach (var t in top)
                if (!t.IsBound) t.Allocate(backend);

            if (p.Param.Count > layer.Parameters.Count)
                throw new NetConfigurationException($"layer '{p.Name}' has {p.Param.Count} param specs but {layer.Parameters.Count} parameters");
            bool learns = false;
            for (int i = 0; i < layer.Parameters.Count; i++)
            {
                var spec = i < p.Param.Count ? p.Param[i] : new ParamSpec();
                if (spec.HasName && spec.Name.Length > 0)
                    throw new NetConfigurationException($"layer '{p.Name}': shared parameters (param {{ name: '{spec.Name}' }}) are not supported");
                layer.SetLearns(i, spec.LrMult != 0f);
                learns |= spec.LrMult != 0f;
                _parameters.Add(new LearnableParameter(layer.Parameters[i], p.Name, i, spec.LrMult, spec.DecayMult, 0));
            }

            var propagate = new bool[bottom.Length];
            for (int b = 0; b < bottom.Length; b++)
            {
                bool wanted = blobNeedsBackward.GetValueOrDefault(bottom[b]);
                propagate[b] = wanted && layer.CanPropagateTo(b);
            }
            bool needsBackward = learns || propagate.Any(x => x);
            foreach (var t in top) blobNeedsBackward[t] = needsBackward;

            float defaultWeight = layer.IsLoss ? 1f : 0f;
            if (p.LossWeight.Count > top.Length)
                throw new NetConfigurationException($"layer '{p.Name}' has {p.LossWeight.Count} loss_weight values but {top.Length} tops");
            for (int t = 0; t < top.Length; t++)
            {
                float weight = t < p.LossWeight.Count ? p.LossWeight[t] : t == 0 ? defaultWeight : 0f;
                if (weight == 0f) continue;
                if (top[t].Count != 1) throw new NetConfigurationException($"layer '{p.Name}': loss top '{top[t].Name}' must be a scalar");
                backend.Fill(top[t].Diff, weight);
                _lossTops.Add((top[t], weight));
            }

            if (layer is IBatchSource source) _sources.Add(source);
            _layers.Add(layer);
            _bottoms.Add(bottom);
            _tops.Add(top);
            _propagateDown.Add(propagate);
            _needsBackward.Add(needsBackward);
        }

        PruneLayersThatDoNotReachTheLoss();
        // Caffe numbers the outputs in name order (its available_blobs_ is a std::set<string>).
        foreach (var (name, blob) in blobs.OrderBy(b => b.Key, StringComparer.Ordinal))
            if (!consumed.Contains(blob))
                _outputs.Add(new NetOutput(name, blob, _lossTops.FirstOrDefault(l => l.Blob == blob).Weight));
        BindParameters(shareWith, context);
    }

    public string Name { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    public IReadOnlyList<LearnableParameter> Parameters => _parameters;

    public IReadOnlyList<NetOutput> Outputs => _outputs;

    /// <summary>Every learnable value of the net, in layer order.</summary>
    public BufferView ParameterData { get; private set; }

    /// <summary>The gradient of the last <see cref="ForwardBackward"/>, laid out like <see cref="ParameterData"/>.</summary>
    public BufferView ParameterDiff { get; private set; }

    public int ParameterCount => ParameterData.Length;

    /// <summary>Samples per forward pass (the data layers' batch size).</summary>
    public int BatchSize => _sources.Count > 0 ? _sources[0].BatchSize : 1;

    /// <summary>Samples in one pass over the data, or null without a data layer.</summary>
    public long? SampleCount => _sources.Count > 0 ? _sources.Min(s => s.SampleCount) : null;

    /// <summary>
    /// Points every data layer at the batch starting with sample <paramref name="position"/>, and
    /// keys the random layers (Dropout's masks) by it: a unit's position names its (iteration,
    /// unit), so each layer's key, mixed from (seed, position, layer index), gives a unit the same
    /// randomness in every process that computes it, as DummyData's batches already are.
    /// </summary>
    public void SetDataPosition(long position)
    {
        foreach (var s in _sources) s.Position = position;
        for (int i = 0; i < _layers.Count; i++)
            if (_layers[i] is IStochasticLayer layer) layer.RandomKey = DeterministicSeed.MixKey(_seed, position, i);
    }

    /// <summary>Runs every layer forward and returns the weighted loss.</summary>
    public float Forward()
    {
        for (int i = 0; i < _layers.Count; i++) _layers[i].Forward(_bottoms[i], _tops[i]);
        return Loss();
    }

    /// <summary>
    /// One unit of work: forward and backward on the batch at <paramref name="position"/>, leaving
    /// exactly that batch's gradient in <see cref="ParameterDiff"/>. A pure function of the
    /// weights and the position. Backward runs from the last layer to the first; after each layer
    /// with parameters, <paramref name="diffsFinalFrom"/> learns the offset from which on every
    /// parameter's gradient is final, so it can leave while the earlier layers compute.
    /// </summary>
    public float ForwardBackward(long position, Action<int>? diffsFinalFrom = null)
    {
        SetDataPosition(position);
        float loss = Forward();
        _backend.Fill(ParameterDiff, 0f);
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            if (_needsBackward[i]) _layers[i].Backward(_tops[i], _propagateDown[i], _bottoms[i]);
            if (_firstParameter[i] >= 0) diffsFinalFrom?.Invoke(_firstParameter[i]);
        }
        return loss;
    }

    public float ReadScalar(Blob blob)
    {
        Span<float> value = stackalloc float[1];
        _backend.Download(blob.Data.Slice(0, 1), value);
        return value[0];
    }

    public float[] ReadValues(Blob blob) => Read(blob.Data);

    public float[] ReadDiff(Blob blob) => Read(blob.Diff);

    private float[] Read(BufferView view)
    {
        var values = new float[view.Length];
        _backend.Download(view, values);
        return values;
    }

    private float Loss()
    {
        float loss = 0f;
        foreach (var (blob, weight) in _lossTops) loss += weight * ReadScalar(blob);
        return loss;
    }

    // Caffe skips backward for layers whose tops never reach a loss (Accuracy, a data layer's label).
    private void PruneLayersThatDoNotReachTheLoss()
    {
        var reachesLoss = new HashSet<Blob>(_lossTops.Select(l => l.Blob));
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            bool contributes = _tops[i].Any(reachesLoss.Contains);
            if (!contributes)
            {
                _needsBackward[i] = false;
                continue;
            }
            foreach (var b in _bottoms[i]) reachesLoss.Add(b);
        }
    }

    private void BindParameters(Net? shareWith, NetContext context)
    {
        int total = 0;
        for (int i = 0; i < _parameters.Count; i++)
        {
            _parameters[i] = _parameters[i] with { Offset = total };
            total += _parameters[i].Blob.Count;
        }
        _firstParameter = [.. _layers.Select(l => _parameters.FirstOrDefault(p => p.LayerName == l.Name)?.Offset ?? -1)];
        ParameterData = _backend.Allocate(total).View;
        ParameterDiff = _backend.Allocate(total).View;
        var random = new Random(context.Seed);
        foreach (var layer in _layers)
        {
            var own = _parameters.Where(p => p.LayerName == layer.Name).ToList();
            foreach (var p in own)
                p.Blob.Bind(ParameterData.Slice(p.Offset, p.Blob.Count), ParameterDiff.Slice(p.Offset, p.Blob.Count));
            var shared = shareWith?._parameters.Where(p => p.LayerName == layer.Name).ToList();
            if (shared is { Count: > 0 })
            {
                // Caffe's ShareTrainedLayersWith: a test net reads the train net's weights by layer name.
                if (shared.Count != own.Count || shared.Zip(own).Any(z => !z.First.Blob.ShapeEquals(z.Second.Blob.Shape)))
                    throw new NetConfigurationException($"layer '{layer.Name}': its parameters differ in shape between the train and the test net");
                foreach (var (source, target) in shared.Zip(own))
                    target.Blob.Bind(source.Blob.Data, target.Blob.Diff);
            }
            else if (own.Count > 0)
            {
                layer.FillParameters(random);
            }
        }
    }

    /// <summary>The net with its learned blobs, as Caffe's Net::ToProto writes a .caffemodel.</summary>
    public NetParameter ToProto(bool withDiff = false)
    {
        var net = new NetParameter { Name = Name };
        foreach (var layer in _layers)
        {
            if (layer is SplitLayer) continue;
            var p = layer.Parameter.Clone();
            p.Blobs.Clear();
            foreach (var blob in layer.Parameters) p.Blobs.Add(BlobCodec.ToProto(blob, _backend, withDiff));
            net.Layer.Add(p);
        }
        return net;
    }

    /// <summary>Caffe's CopyTrainedLayersFrom: loads the blobs of same-named layers, checking every shape.</summary>
    public IReadOnlyList<string> CopyTrainedLayersFrom(NetParameter model, string source)
    {
        var ignored = new List<string>();
        var byName = _layers.ToDictionary(l => l.Name);
        foreach (var p in model.Layer)
        {
            if (!byName.TryGetValue(p.Name, out var layer))
            {
                if (p.Blobs.Count > 0) ignored.Add(p.Name);
                continue;
            }
            if (p.Blobs.Count != layer.Parameters.Count)
                throw new InvalidDataException(
                    $"{source}: layer '{p.Name}' has {p.Blobs.Count} blobs, the net expects {layer.Parameters.Count}");
            for (int i = 0; i < p.Blobs.Count; i++) BlobCodec.Load(p.Blobs[i], layer.Parameters[i], _backend, $"{source}: layer '{p.Name}' param {i}");
        }
        return ignored;
    }
}
