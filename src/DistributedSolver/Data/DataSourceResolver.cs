namespace DistributedSolver.Data;

public sealed record DataSourcePaths(string ImagesPath, string LabelsPath);

/// <summary>
/// Finds the IDX pair a Caffe <c>data_param.source</c> names. Here the source is a path prefix:
/// <c>&lt;source&gt;-images-idx3-ubyte</c> and <c>&lt;source&gt;-labels-idx1-ubyte</c>, each optionally
/// gzip-compressed.
/// </summary>
public static class DataSourceResolver
{
    /// <summary>Extra directories to search, PATH-style (colon-separated on Unix).</summary>
    public const string DataPathVariable = "DSOLVER_DATA_PATH";

    // Where Debian's dataset-* packages install, e.g. dataset-fashion-mnist.
    private const string SystemRoot = "/usr/share/datasets";

    /// <summary>
    /// Tries, in order: the source as given (absolute, or relative to the current directory), each
    /// <see cref="DataPathVariable"/> directory, the system dataset root, then the net file's directory.
    /// </summary>
    public static DataSourcePaths Resolve(string source, string netFileDirectory) =>
        Resolve(source, netFileDirectory, SystemRoot);

    internal static DataSourcePaths Resolve(string source, string netFileDirectory, string systemRoot)
    {
        var prefixes = CandidatePrefixes(source, netFileDirectory, systemRoot).Distinct().ToList();
        foreach (var prefix in prefixes)
        {
            if (Find(prefix + "-images-idx3-ubyte") is { } images && Find(prefix + "-labels-idx1-ubyte") is { } labels)
            {
                return new DataSourcePaths(images, labels);
            }
        }

        throw new FileNotFoundException(
            $"no IDX data for source '{source}'; looked for <prefix>-{{images-idx3,labels-idx1}}-ubyte[.gz] at:"
                + string.Concat(prefixes.Select(p => $"{Environment.NewLine}  {p}")),
            source);
    }

    private static IEnumerable<string> CandidatePrefixes(string source, string netFileDirectory, string systemRoot)
    {
        yield return Path.GetFullPath(source);
        if (Path.IsPathRooted(source))
        {
            yield break;
        }

        var searchPath = Environment.GetEnvironmentVariable(DataPathVariable) ?? "";
        foreach (var directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return Path.GetFullPath(Path.Combine(directory, source));
        }

        yield return Path.GetFullPath(Path.Combine(systemRoot, source));
        yield return Path.GetFullPath(Path.Combine(netFileDirectory, source));
    }

    private static string? Find(string path) =>
        File.Exists(path + ".gz") ? path + ".gz" : File.Exists(path) ? path : null;
}
