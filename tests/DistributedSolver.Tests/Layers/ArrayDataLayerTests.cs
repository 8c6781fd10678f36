using DistributedSolver.Backend.Cpu;
using DistributedSolver.Data;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;

namespace DistributedSolver.Tests.Layers;

/// <summary>ArrayData: Keras's epochs of ceil(n/batch) batches over in-memory or CSV rows, shuffled per epoch from the seed.</summary>
public sealed class ArrayDataLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });
    private readonly string _directory = Directory.CreateTempSubdirectory("arraydata-").FullName;

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // Row r holds inputs (r, 10r) and target 100r, so every value names its row.
    private static ArrayDataset Rows(int n, int targets = 1)
    {
        var x = new NDArray([.. Enumerable.Range(0, n).SelectMany(r => new[] { r, 10f * r })], n, 2);
        var y = targets == 1
            ? new NDArray([.. Enumerable.Range(0, n).Select(r => 100f * r)], n)
            : new NDArray([.. Enumerable.Range(0, n).SelectMany(r => Enumerable.Repeat(100f * r, targets))], n, targets);
        return new ArrayDataset(x, y);
    }

    private static string Layer(int batch, bool shuffle, string source = "rows") => $$"""
        layer { name: "data" type: "ArrayData" top: "x" top: "y"
                array_data_param { source: "{{source}}" batch_size: {{batch}} shape { dim: 2 } shuffle: {{(shuffle ? "true" : "false")}} } }
        """;

    private Net Build(string text, ArrayDataset? rows, int seed = 5) =>
        new(PrototxtParser.Parse<NetParameter>(text, "net.prototxt"), Phase.Train, _backend,
            new NetContext(_directory, seed) { Arrays = rows is null ? new Dictionary<string, ArrayDataset>() : new() { ["rows"] = rows } });

    private static ArrayDataLayer Data(Net net) => (ArrayDataLayer)net.Layers[0];

    [Fact]
    public void Without_shuffle_an_epoch_is_whole_batches_the_last_one_completed_with_the_first_rows()
    {
        var data = Data(Build(Layer(batch: 2, shuffle: false), Rows(5)));
        Assert.Equal([0, 1, 2, 3, 4, 0, 0, 1, 2, 3, 4, 0], Enumerable.Range(0, 12).Select(p => data.RowAt(p)));
    }

    [Fact]
    public void Shuffled_epochs_are_permutations_that_differ_and_repeat_with_the_seed()
    {
        int[] Epoch(ArrayDataLayer layer, int e) => [.. Enumerable.Range(0, 10).Select(i => layer.RowAt(e * 10 + i))];
        var data = Data(Build(Layer(batch: 5, shuffle: true), Rows(10)));
        var first = Epoch(data, 0);
        Assert.Equal(Enumerable.Range(0, 10), first.Order());
        Assert.Equal(Enumerable.Range(0, 10), Epoch(data, 1).Order());
        Assert.NotEqual(first, Epoch(data, 1));
        Assert.Equal(first, Epoch(Data(Build(Layer(batch: 5, shuffle: true), Rows(10))), 0));
        Assert.NotEqual(first, Epoch(Data(Build(Layer(batch: 5, shuffle: true), Rows(10), seed: 6)), 0));
    }

    [Theory]
    [InlineData(1, new[] { 3 })]
    [InlineData(2, new[] { 3, 2 })]
    public void A_batch_holds_its_rows_inputs_and_targets(int targets, int[] targetShape)
    {
        var net = Build(Layer(batch: 3, shuffle: false), Rows(4, targets));
        net.SetDataPosition(2);
        net.Forward();
        var x = net.Outputs.Single(o => o.Name == "x").Blob;
        var y = net.Outputs.Single(o => o.Name == "y").Blob;
        Assert.Equal([3, 2], x.Shape);
        Assert.Equal(targetShape, y.Shape);
        Assert.Equal([2, 20, 3, 30, 0, 0], net.ReadValues(x)); // rows 2, 3, then 0 completes the epoch's last batch
        Assert.Equal(new[] { 200f, 300f, 0f }.SelectMany(v => Enumerable.Repeat(v, targets)), net.ReadValues(y));
    }

    [Fact]
    public void A_prototxt_reads_the_rows_from_a_csv_next_to_the_net()
    {
        Rows(4).WriteCsv(Path.Combine(_directory, "rows.csv"));
        var net = Build(Layer(batch: 2, shuffle: false, source: "rows.csv"), rows: null);
        net.SetDataPosition(2);
        net.Forward();
        Assert.Equal([2, 20, 3, 30], net.ReadValues(net.Outputs.Single(o => o.Name == "x").Blob));
        Assert.Equal([200, 300], net.ReadValues(net.Outputs.Single(o => o.Name == "y").Blob));
    }

    [Theory]
    [InlineData("""layer { name: "d" type: "ArrayData" top: "x" array_data_param { source: "rows" batch_size: 2 shape { dim: 3 } } }""", "shape (3) holds 3 values", "'rows' have 2")]
    [InlineData("""layer { name: "d" type: "ArrayData" top: "x" array_data_param { source: "rows" shape { dim: 2 } } }""", "batch_size", "positive")]
    [InlineData("""layer { name: "d" type: "ArrayData" top: "x" array_data_param { source: "missing.csv" batch_size: 2 shape { dim: 2 } } }""", "source 'missing.csv'", "neither")]
    public void Bad_definitions_are_refused_naming_the_layer(string text, string field, string reason)
    {
        var e = Assert.Throws<NetConfigurationException>(() => Build(text, Rows(4)));
        Assert.Contains("layer 'd' (ArrayData)", e.Message);
        Assert.Contains(field, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void A_targets_top_without_targets_is_refused()
    {
        var e = Assert.Throws<NetConfigurationException>(() => Build(Layer(batch: 2, shuffle: false), new ArrayDataset(Rows(4).X)));
        Assert.Contains("top 'y' needs targets", e.Message);
    }
}
