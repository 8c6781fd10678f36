using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Fillers;
using DistributedSolver.Proto;
using DistributedSolver.Randomness;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's DummyData: tops of given shapes filled by fillers, from a generator seeded by the
/// batch position so that a unit's data does not depend on which process computes it. Unlike
/// Caffe, constant tops are written every batch too: an in-place layer after this one (Dropout,
/// ReLU) changes them, and a unit's data must not depend on the units computed before it.
/// </summary>
public sealed class DummyDataLayer : SourceLayer
{
    private readonly List<FillerParameter> _fillers = [];
    private readonly List<int[]> _shapes = [];
    private readonly int _seed;
    private float[] _host = [];

    public DummyDataLayer(LayerParameter parameter, IComputeBackend backend, int seed) : base(parameter, backend)
    {
        _seed = seed;
    }

    public override int BatchSize => _shapes.Count > 0 && _shapes[0].Length > 0 ? _shapes[0][0] : 1;

    public override long SampleCount => long.MaxValue;

    protected override (int Min, int Max) TopCount => (1, int.MaxValue);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.DummyDataParam ?? throw Error("dummy_data_param is required");
        int n = top.Count;
        bool legacy = p.Num.Count > 0 || p.Channels.Count > 0 || p.Height.Count > 0 || p.Width.Count > 0;
        if (legacy && p.Shape.Count > 0) throw Error("give either 'shape' or num/channels/height/width, not both");
        if (!legacy && p.Shape.Count != 1 && p.Shape.Count != n) throw Error($"needs 1 or {n} 'shape' entries, got {p.Shape.Count}");
        if (p.DataFiller.Count > 1 && p.DataFiller.Count != n) throw Error($"needs 0, 1 or {n} data_filler entries, got {p.DataFiller.Count}");
        for (int i = 0; i < n; i++)
        {
            int[] shape = legacy
                ? [Legacy(p.Num, i, "num"), Legacy(p.Channels, i, "channels"), Legacy(p.Height, i, "height"), Legacy(p.Width, i, "width")]
                : [.. p.Shape[p.Shape.Count == 1 ? 0 : i].Dim.Select(d => checked((int)d))];
            _shapes.Add(shape);
            _fillers.Add(p.DataFiller.Count == 0 ? new FillerParameter() : p.DataFiller[p.DataFiller.Count == 1 ? 0 : i]);
            top[i].SetShape(shape);
        }
        _host = new float[_shapes.Max(s => s.Aggregate(1, (a, d) => a * d))];
    }

    private int Legacy(IList<uint> values, int index, string field)
    {
        if (values.Count != 1 && values.Count <= index) throw Error($"'{field}' needs 1 or one value per top");
        return (int)values[values.Count == 1 ? 0 : index];
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var random = new Random(DeterministicSeed.Mix(_seed, Position));
        for (int i = 0; i < top.Count; i++)
        {
            var values = _host.AsSpan(0, top[i].Count);
            Filler.Fill(_fillers[i], top[i].Shape, values, random);
            Backend.Upload(values, top[i].Data);
        }
    }
}
