using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Data;
using DistributedSolver.Proto;
using DistributedSolver.Randomness;

namespace DistributedSolver.Layers;

/// <summary>
/// Samples from an <see cref="ArrayDataset"/> (<c>array_data_param</c>): the inputs shaped as
/// <c>shape</c>, and the targets when the layer has a second top. An epoch is ceil(n / batch)
/// whole batches, Keras's steps per epoch; Caffe's nets have one batch size, so the last batch is
/// completed with the epoch's first samples instead of being smaller. With <c>shuffle</c> each
/// epoch reads the rows in a permutation drawn from (seed, epoch), so a batch is a pure function
/// of its position, as on every other data layer, and every process draws the same order.
/// </summary>
public sealed class ArrayDataLayer : SourceLayer
{
    private readonly ArrayDataset _data;
    private readonly int _seed;
    private readonly bool _shuffle;
    private readonly long _epochLength;
    private readonly int[] _sampleShape;
    private float[] _inputs = [];
    private float[] _targets = [];
    private (long Epoch, int[] Rows)? _order;

    public ArrayDataLayer(LayerParameter parameter, IComputeBackend backend, ArrayDataset data, int seed) : base(parameter, backend)
    {
        var p = parameter.ArrayDataParam ?? throw Error("array_data_param is required");
        if (p.BatchSize == 0) throw Error("array_data_param.batch_size must be positive");
        if (p.Shape is null || p.Shape.Dim.Count == 0) throw Error("array_data_param.shape (one sample's shape) is required");
        if (p.Shape.Dim.Any(d => d <= 0)) throw Error($"array_data_param.shape ({string.Join(", ", p.Shape.Dim)}) must be positive");
        if (data.Count == 0) throw Error($"source '{p.Source}' has no samples");
        _sampleShape = [.. p.Shape.Dim.Select(d => checked((int)d))];
        int size = _sampleShape.Aggregate(1, (a, d) => checked(a * d));
        if (size != data.X.SampleSize)
            throw Error($"array_data_param.shape ({string.Join(", ", _sampleShape)}) holds {size} values, the samples of '{p.Source}' have {data.X.SampleSize}");
        _data = data;
        _seed = seed;
        _shuffle = p.Shuffle;
        BatchSize = checked((int)p.BatchSize);
        _epochLength = (data.Count + (long)BatchSize - 1) / BatchSize * BatchSize;
    }

    public override int BatchSize { get; }

    public override long SampleCount => _data.Count;

    protected override (int Min, int Max) TopCount => (1, 2);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].SetShape([BatchSize, .. _sampleShape]);
        _inputs = new float[top[0].Count];
        if (top.Count == 1) return;
        var targets = _data.Y ?? throw Error($"top '{top[1].Name}' needs targets, and source '{Parameter.ArrayDataParam.Source}' has none");
        top[1].SetShape(targets.SampleSize == 1 ? [BatchSize] : [BatchSize, targets.SampleSize]);
        _targets = new float[top[1].Count];
    }

    /// <summary>The row that data position <paramref name="position"/> reads.</summary>
    public int RowAt(long position)
    {
        long epoch = position / _epochLength;
        int index = (int)(position % _epochLength % _data.Count);
        return _shuffle ? Order(epoch)[index] : index;
    }

    // Fisher–Yates, written out so the order depends only on the seeded generator's Next (whose
    // sequence .NET keeps for seeded instances), not on how a library shuffle draws. One epoch's
    // order is kept, as consecutive batches mostly fall in the same epoch.
    private int[] Order(long epoch)
    {
        if (_order is { } cached && cached.Epoch == epoch) return cached.Rows;
        var rows = Enumerable.Range(0, _data.Count).ToArray();
        var random = new Random(DeterministicSeed.Mix(_seed, epoch));
        for (int i = rows.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (rows[i], rows[j]) = (rows[j], rows[i]);
        }
        _order = (epoch, rows);
        return rows;
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int inputSize = _data.X.SampleSize;
        int targetSize = _data.Y?.SampleSize ?? 0;
        for (int j = 0; j < BatchSize; j++)
        {
            int row = RowAt(Position + j);
            _data.X.Sample(row).CopyTo(_inputs.AsSpan(j * inputSize));
            if (top.Count > 1) _data.Y!.Sample(row).CopyTo(_targets.AsSpan(j * targetSize));
        }
        Backend.Upload(_inputs, top[0].Data);
        if (top.Count > 1) Backend.Upload(_targets, top[1].Data);
    }
}
