using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Data;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Data layer over an MNIST-format IDX pair: <c>data_param.source</c> is the path prefix
/// of <c>-images-idx3-ubyte[.gz]</c> and <c>-labels-idx1-ubyte[.gz]</c>. Samples are read in
/// file order and wrap around at the end, as Caffe reads its database; pixels become
/// <c>(pixel − mean_value)·scale</c> (<c>transform_param</c>).
/// </summary>
public sealed class DataLayer : SourceLayer
{
    private readonly LabeledImageSet _set;
    private readonly float[] _pixels;
    private readonly float[] _labels;
    private readonly float _scale;
    private readonly float _mean;

    public DataLayer(LayerParameter parameter, IComputeBackend backend, LabeledImageSet set) : base(parameter, backend)
    {
        _set = set;
        var data = parameter.DataParam ?? throw Error("data_param is required");
        if (!data.HasBatchSize || data.BatchSize == 0) throw Error("data_param.batch_size must be positive");
        if ((long)data.BatchSize * set.Height * set.Width > int.MaxValue)
            throw Error($"data_param.batch_size {data.BatchSize} is too large for {set.Height}x{set.Width} samples");
        BatchSize = (int)data.BatchSize;
        var transform = parameter.TransformParam ?? new TransformationParameter();
        if (transform.Mirror || transform.CropSize != 0 || transform.HasMeanFile || transform.MeanValue.Count > 1)
            throw Error("transform_param supports scale and one mean_value here (no mirror, crop_size or mean_file)");
        _scale = transform.Scale;
        _mean = transform.MeanValue.Count == 1 ? transform.MeanValue[0] : 0f;
        _pixels = new float[BatchSize * set.Height * set.Width];
        _labels = new float[BatchSize];
    }

    public override int BatchSize { get; }

    public override long SampleCount => _set.Count;

    protected override (int Min, int Max) TopCount => (1, 2);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].SetShape([BatchSize, 1, _set.Height, _set.Width]);
        if (top.Count > 1) top[1].SetShape([BatchSize]);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int size = _set.Height * _set.Width;
        for (int j = 0; j < BatchSize; j++)
        {
            int sample = (int)((Position + j) % _set.Count);
            var source = _set.Pixels.AsSpan(sample * size, size);
            var target = _pixels.AsSpan(j * size, size);
            for (int i = 0; i < size; i++) target[i] = (source[i] - _mean) * _scale;
            _labels[j] = _set.Labels[sample];
        }
        Backend.Upload(_pixels, top[0].Data);
        if (top.Count > 1) Backend.Upload(_labels, top[1].Data);
    }
}
