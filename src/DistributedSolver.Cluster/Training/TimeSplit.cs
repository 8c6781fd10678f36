using System.Diagnostics;
using System.Globalization;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// Where an actor's time per iteration goes (compute, round trip, update, …), summed between two
/// display iterations and logged then, so the split of an iteration can be read from the logs.
/// </summary>
internal sealed class TimeSplit
{
    private readonly Dictionary<string, (double Seconds, int Count)> _parts = [];

    public void Add(string part, long startTimestamp) => AddSeconds(part, Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    public void AddSeconds(string part, double elapsed)
    {
        var (seconds, count) = _parts.GetValueOrDefault(part);
        _parts[part] = (seconds + elapsed, count + 1);
    }

    /// <summary>"compute 3.10 ms, round trip 4.20 ms (mean of 100)" for every part, then starts over.</summary>
    public string Report()
    {
        string text = string.Join(", ", _parts.Select(p =>
            string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value.Seconds * 1000 / p.Value.Count:F2} ms (mean of {p.Value.Count})")));
        _parts.Clear();
        return text;
    }
}
