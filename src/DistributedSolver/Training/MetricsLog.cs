using System.Text.Json;

namespace DistributedSolver.Training;

/// <summary>
/// The JSON-lines metrics file next to the snapshots: one object per display iteration
/// (<c>phase: train</c>) and per test pass (<c>phase: test</c>), flushed line by line so a
/// plot of a running job is current. <c>dsolver plot</c> reads it.
/// </summary>
public sealed class MetricsLog : ITrainingObserver, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly DateTime _start = DateTime.UtcNow;

    public MetricsLog(string path, bool append)
    {
        Path = path;
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _writer = new StreamWriter(path, append) { AutoFlush = true };
    }

    public string Path { get; }

    public void OnMessage(string message)
    {
    }

    public void OnIteration(IterationReport r)
    {
        if (!r.Display) return;
        var line = new Dictionary<string, object>
        {
            ["phase"] = "train",
            ["iter"] = r.Iteration,
            ["loss"] = r.SmoothedLoss,
            ["lr"] = r.LearningRate,
            ["samples_per_sec"] = Math.Round(r.SamplesPerSecond, 1),
            ["elapsed_s"] = Math.Round((DateTime.UtcNow - _start).TotalSeconds, 3),
        };
        if (r.LiveWorkers is { } workers) line["live_workers"] = workers;
        Write(line);
    }

    public void OnTest(TestReport r) => Write(new Dictionary<string, object>
    {
        ["phase"] = "test",
        ["iter"] = r.Iteration,
        ["net"] = r.NetIndex,
        ["outputs"] = r.Outputs.ToDictionary(o => o.Name, o => (object)o.Value),
    });

    public void OnSnapshot(SnapshotFiles files)
    {
    }

    private void Write(Dictionary<string, object> record) => _writer.WriteLine(JsonSerializer.Serialize(record));

    public void Dispose() => _writer.Dispose();
}
