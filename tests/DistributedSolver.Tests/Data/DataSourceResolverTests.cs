using DistributedSolver.Data;

namespace DistributedSolver.Tests.Data;

/// <summary>Tests that read or set DSOLVER_DATA_PATH, which is process-wide.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataPathEnvironmentCollection
{
    public const string Name = "DSOLVER_DATA_PATH";
}

[Collection(DataPathEnvironmentCollection.Name)]
public sealed class DataSourceResolverTests : IDisposable
{
    private readonly IdxFixtures _files = new();
    private readonly string? _savedDataPath = Environment.GetEnvironmentVariable(DataSourceResolver.DataPathVariable);

    public DataSourceResolverTests() => Environment.SetEnvironmentVariable(DataSourceResolver.DataPathVariable, null);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DataSourceResolver.DataPathVariable, _savedDataPath);
        _files.Dispose();
    }

    private string SystemRoot => Path.Combine(_files.Root, "system");

    private string NetDirectory => Path.Combine(_files.Root, "net");

    private string Resolve(string source) =>
        DataSourceResolver.Resolve(source, NetDirectory, SystemRoot).ImagesPath;

    [Fact]
    public void SourceAsGivenWinsOverEveryOtherLocation()
    {
        // Absolute, because a relative source would be resolved against the process-wide current
        // directory, which tests running in parallel elsewhere rely on.
        var given = _files.WritePair("given/mnist/train");
        _files.WritePair("extra/mnist/train");
        _files.WritePair("system/mnist/train");
        _files.WritePair("net/mnist/train");
        Environment.SetEnvironmentVariable(DataSourceResolver.DataPathVariable, Path.Combine(_files.Root, "extra"));

        Assert.Equal(given, Resolve(Path.Combine(_files.Root, "given/mnist/train")));
        Assert.NotEqual(given, Resolve("mnist/train"));
    }

    [Fact]
    public void DataPathDirectoriesAreSearchedInOrderBeforeTheSystemRoot()
    {
        _files.WritePair("system/mnist/train");
        var second = _files.WritePair("second/mnist/train");
        _files.WritePair("third/mnist/train");
        var searchPath = string.Join(
            Path.PathSeparator, ["", Path.Combine(_files.Root, "first"), Path.Combine(_files.Root, "second"), Path.Combine(_files.Root, "third")]);
        Environment.SetEnvironmentVariable(DataSourceResolver.DataPathVariable, searchPath);

        Assert.Equal(second, Resolve("mnist/train"));
    }

    [Fact]
    public void SystemRootComesBeforeTheNetDirectory()
    {
        var system = _files.WritePair("system/mnist/train", gzip: true);
        _files.WritePair("net/mnist/train");

        Assert.Equal(system, Resolve("mnist/train"));
    }

    [Fact]
    public void NetDirectoryIsTheLastResort()
    {
        var net = _files.WritePair("net/mnist/train");

        var paths = DataSourceResolver.Resolve("mnist/train", NetDirectory, SystemRoot);

        Assert.Equal(net, paths.ImagesPath);
        Assert.Equal(Path.Combine(NetDirectory, "mnist/train-labels-idx1-ubyte"), paths.LabelsPath);
    }

    [Fact]
    public void GzipIsPreferredWhenBothExist()
    {
        _files.WritePair("net/mnist/train");
        var gzip = _files.WritePair("net/mnist/train", gzip: true);

        Assert.Equal(gzip, Resolve("mnist/train"));
    }

    [Fact]
    public void AHalfPairDoesNotCount()
    {
        _files.Write("system/mnist/train-images-idx3-ubyte", IdxFixtures.Images(1, 1, [0]));
        var net = _files.WritePair("net/mnist/train");

        Assert.Equal(net, Resolve("mnist/train"));
    }

    [Fact]
    public void NotFoundListsEveryLocationTried()
    {
        var extra = Path.Combine(_files.Root, "extra");
        Environment.SetEnvironmentVariable(DataSourceResolver.DataPathVariable, extra);

        var error = Assert.Throws<FileNotFoundException>(() => Resolve("mnist/train"));

        Assert.Contains("'mnist/train'", error.Message);
        Assert.Contains(Path.GetFullPath("mnist/train"), error.Message);
        Assert.Contains(Path.Combine(extra, "mnist/train"), error.Message);
        Assert.Contains(Path.Combine(SystemRoot, "mnist/train"), error.Message);
        Assert.Contains(Path.Combine(NetDirectory, "mnist/train"), error.Message);
    }

    [Theory]
    [InlineData("train", 6000)]
    [InlineData("t10k", 1000)]
    public void ShippedSubsetResolvesFromTheExampleDirectoryAndLoads(string split, int expectedCount)
    {
        var netDirectory = Path.Combine(RepoPaths.Root, "examples", "fashion_mnist");
        // An empty system root makes this read the shipped copy even where the Debian package is installed.
        var paths = DataSourceResolver.Resolve($"fashion-mnist/{split}", netDirectory, SystemRoot);

        var set = LabeledImageSet.Load(paths.ImagesPath, paths.LabelsPath);

        Assert.StartsWith(netDirectory, paths.ImagesPath);
        Assert.Equal((expectedCount, 28, 28), (set.Count, set.Height, set.Width));
        Assert.All(set.Labels, label => Assert.InRange(label, 0, 9));
        Assert.Equal(10, set.Labels.Distinct().Count());
    }
}
