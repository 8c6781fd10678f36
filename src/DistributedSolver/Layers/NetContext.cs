using DistributedSolver.Data;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>What building a net needs besides its definition: where relative data paths start,
/// the seed, and where to say which data files were chosen.</summary>
public sealed class NetContext
{
    private readonly Dictionary<string, LabeledImageSet> _loaded = [];

    public NetContext(string netDirectory, int seed, Action<string>? log = null)
    {
        NetDirectory = netDirectory;
        Seed = seed;
        Log = log ?? (_ => { });
    }

    public string NetDirectory { get; }

    public int Seed { get; }

    public Action<string> Log { get; }

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
