using System.Globalization;
using System.IO.Compression;
using DistributedSolver.Data;

namespace DistributedSolver.Examples;

/// <summary>The examples' data: sklearn's CSV files shipped under examples/, split and standardized as Keras's examples do.</summary>
internal static class Datasets
{
    /// <summary>The repository's examples/ folder, found above the program.</summary>
    public static string Examples { get; } = FindExamples();

    private static string FindExamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DistributedSolver.sln"))) return Path.Combine(dir.FullName, "examples");
        throw new DirectoryNotFoundException("DistributedSolver.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Rows of numbers from a CSV (gzip when it ends in .gz), after <paramref name="headerLines"/> lines.</summary>
    public static float[][] ReadCsv(string path, int headerLines)
    {
        using var file = File.OpenRead(path);
        using var reader = new StreamReader(path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file);
        var rows = new List<float[]>();
        for (int line = 0; reader.ReadLine() is { } text; line++)
            if (line >= headerLines && text.Length > 0)
                rows.Add([.. text.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture))]);
        return [.. rows];
    }

    /// <summary>
    /// A seeded shuffle of the rows' order (Fisher–Yates over System.Random(seed)), cut after the
    /// first fraction <paramref name="train"/>: the split of Keras's dataset loaders (seed 113,
    /// 80% for training), with .NET's generator in place of NumPy's.
    /// </summary>
    public static (int[] Train, int[] Test) Split(int count, double train, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(seed);
        for (int i = count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        int cut = (int)(count * train);
        return (order[..cut], order[cut..]);
    }

    /// <summary>Features as an NDArray, after (x − mean)/std with the training rows' mean and (population) std, as the Keras example does with NumPy.</summary>
    public static NDArray Standardized(float[][] rows, int[] take, float[] mean, float[] std, int columns) =>
        new([.. take.SelectMany(r => Enumerable.Range(0, columns).Select(c => (rows[r][c] - mean[c]) / std[c]))], take.Length, columns);

    public static (float[] Mean, float[] Std) Moments(float[][] rows, int[] take, int columns)
    {
        var mean = new float[columns];
        var std = new float[columns];
        for (int c = 0; c < columns; c++)
        {
            double m = take.Average(r => (double)rows[r][c]);
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(take.Average(r => (rows[r][c] - m) * (rows[r][c] - m)));
        }
        return (mean, std);
    }
}
