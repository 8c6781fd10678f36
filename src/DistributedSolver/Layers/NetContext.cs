using DistributedSolver.Data;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>What building a net needs besides its definition: where relative data paths start,
/// the seed, and where to say which data files were chosen.</summary>
public sealed class NetContext
{
    private readonly Dictionary<string, LabeledImageSet> _loaded = [];
    private readonly Dictionary<string, ArrayDataset> _loadedArrays = [];

    public NetContext(string netDirectory, int seed, Action<string>? log = null)
    {
        NetDirectory = netDirectory;
        Seed = seed;
        Log = log ?? (_ => { });
    }

    public string NetDirectory { get; }

    public int Seed { get; }

    public Action<string> Log { get; }

    /// <summary>
    /// In-memory samples by source name, which ArrayData layers read before looking for a file:
    /// how the C# API gives its arrays to a net built from the same NetParameter a prototxt holds.
    /// </summary>
    public IReadOnlyDictionary<string, ArrayDataset> Arrays { get; init; } = new Dictionary<string, ArrayDataset>();

    internal ArrayDataset LoadArrays(LayerParameter layer)
    {
        var p = layer.ArrayDataParam;
        string source = p?.Source ?? "";
        if (source.Length == 0) throw new NetConfigurationException($"layer '{layer.Name}' (ArrayData): array_data_param.source is required");
        if (Arrays.TryGetValue(source, out var data) || _loadedArrays.TryGetValue(source, out data)) return data;
        // Caffe resolves data paths against the working directory; the net's directory is the fallback.
        string path = File.Exists(source) ? source : Path.Combine(NetDirectory, source);
        if (!File.Exists(path))
            throw new NetConfigurationException($"layer '{layer.Name}' (ArrayData): source '{source}' is neither in-memory data nor a file (tried it as given and in {NetDirectory})");
        int inputSize = p!.Shape is { Dim.Count: > 0 } shape ? checked((int)shape.Dim.Aggregate(1L, (a, d) => a * d)) : 0;
        try
        {
            data = ArrayDataset.ReadCsv(path, inputSize);
        }
        catch (InvalidDataException e)
        {
            throw new NetConfigurationException($"layer '{layer.Name}' (ArrayData): {e.Message}", e);
        }
        Log($"ArrayData layer '{layer.Name}': {data.Count} samples from {Path.GetFullPath(path)}");
        _loadedArrays[source] = data;
        return data;
    }

    internal LabeledImageSet LoadImages(LayerParameter layer)
    {
        string source = layer.DataParam?.Source ?? "";
        if (source.Length == 0) throw new NetConfigurationException($"layer '{layer.Name}' (Data): data_param.source is required");
        if (_loaded.TryGetValue(source, out var set)) return set;
        try
        {
            var files = DataSourceResolver.Resolve(source, NetDirectory);
            set = LabeledImageSet.Load(files.ImagesPath, files.LabelsPath);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new NetConfigurationException($"layer '{layer.Name}' (Data): {e.Message}", e);
        }
        Log($"Data layer '{layer.Name}': {set.Count} samples of {set.Height}x{set.Width} from {set.Description}");
        _loaded[source] = set;
        return set;
    }
}
