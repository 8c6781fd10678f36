using DistributedSolver.Cli.Plotting;

namespace DistributedSolver.Cli.Tests.Plotting;

public sealed class MetricsPlotTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];

    private readonly string _root = Directory.CreateTempSubdirectory("dsolver-plot-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Png => Path.Combine(_root, "metrics.png");

    private string WriteMetrics(params string[] lines)
    {
        var path = Path.Combine(_root, "metrics.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string[] SampleRun()
    {
        var lines = new List<string>();
        for (int iter = 0; iter <= 1000; iter += 20)
        {
            double loss = 2.3 * Math.Exp(-iter / 300.0) + 0.3 + 0.05 * Math.Sin(iter);
            lines.Add($$"""{"phase":"train","iter":{{iter}},"loss":{{loss:R}},"lr":0.01,"samples_per_sec":1234.5,"elapsed_s":{{iter / 30.0:R}}}""");
            if (iter % 200 == 0)
            {
                double accuracy = 0.9 - 0.8 * Math.Exp(-iter / 250.0);
                lines.Add($$$"""{"phase":"test","iter":{{{iter}}},"net":0,"outputs":{"accuracy":{{{accuracy:R}}},"loss":{{{loss + 0.1:R}}}}}""");
            }
        }

        return [.. lines];
    }

    [Fact]
    public void RendersAPng()
    {
        var metrics = WriteMetrics(SampleRun());

        MetricsPlot.Render(metrics, Png, 800, 500);

        var bytes = File.ReadAllBytes(Png);
        Assert.True(bytes.Length > PngSignature.Length);
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);
        Assert.False(File.Exists(Png + ".tmp"));
    }

    [Fact]
    public void RendersTrainLossAlone()
    {
        var metrics = WriteMetrics(
            """{"phase":"train","iter":0,"loss":2.3}""",
            "",
            """{"phase":"train","iter":10,"loss":"NaN"}""",
            """{"phase":"snapshot","iter":10}""");

        MetricsPlot.Render(metrics, Png);

        Assert.Equal(PngSignature, File.ReadAllBytes(Png)[..PngSignature.Length]);
    }

    [Theory]
    [InlineData("""{"phase":"train","iter":20,"loss":""", "")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"phase":"train","iter":20}""", "no \"loss\"")]
    [InlineData("""{"phase":"train","iter":"x","loss":1}""", "\"iter\" is not a number")]
    [InlineData("""{"phase":"test","iter":20,"outputs":[]}""", "\"outputs\" is not an object")]
    [InlineData("""{"phase":7}""", "\"phase\" is not a string")]
    public void MalformedLineIsNamedAndNothingIsWritten(string badLine, string problem)
    {
        var metrics = WriteMetrics("""{"phase":"train","iter":0,"loss":2.3}""", "", badLine);

        var error = Assert.Throws<InvalidDataException>(() => MetricsPlot.Render(metrics, Png));

        Assert.StartsWith($"{metrics}:3: ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Empty(Directory.GetFiles(_root, "*.png*"));
    }

    [Fact]
    public void NoTrainRecordsIsAnError()
    {
        var metrics = WriteMetrics("""{"phase":"test","iter":0,"outputs":{"accuracy":0.1}}""");

        var error = Assert.Throws<InvalidDataException>(() => MetricsPlot.Render(metrics, Png));

        Assert.Contains("no train records", error.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var metrics = Path.Combine(_root, "absent.jsonl");

        var error = Assert.Throws<FileNotFoundException>(() => MetricsPlot.Render(metrics, Png));

        Assert.Equal(metrics, error.FileName);
    }

    [Fact]
    public void FailedWriteLeavesNoTemporaryFileAndKeepsTheOldPng()
    {
        var metrics = WriteMetrics(SampleRun());
        var png = Path.Combine(_root, "absent-directory", "metrics.png");

        Assert.ThrowsAny<IOException>(() => MetricsPlot.Render(metrics, png));
        Assert.False(File.Exists(png + ".tmp"));

        // The target directory exists but the PNG path is a directory, so only the final move fails.
        Directory.CreateDirectory(Png);
        Assert.ThrowsAny<IOException>(() => MetricsPlot.Render(metrics, Png));
        Assert.False(File.Exists(Png + ".tmp"));
        Assert.True(Directory.Exists(Png));
    }

    [Fact]
    public void ReplacesAnExistingPng()
    {
        File.WriteAllText(Png, "old");

        MetricsPlot.Render(WriteMetrics(SampleRun()), Png);

        Assert.Equal(PngSignature, File.ReadAllBytes(Png)[..PngSignature.Length]);
    }
}
