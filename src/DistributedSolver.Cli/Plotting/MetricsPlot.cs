using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace DistributedSolver.Cli.Plotting;

/// <summary>Renders a trainer's JSON-lines metrics file as a loss/accuracy chart.</summary>
internal static class MetricsPlot
{
    private const string TrainLoss = "train loss";

    private sealed record Point(string Series, bool IsAccuracy, double Iteration, double Value);

    public static void Render(string metricsPath, string pngPath, int width = 1000, int height = 700)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var points = Read(metricsPath);

        var plot = new Plot();
        plot.Title($"Training progress: {Path.GetFileName(metricsPath)}");
        plot.XLabel("Iteration");
        plot.YLabel("Loss");
        bool anyAccuracy = false;
        // GroupBy keeps first-appearance order, so the train loss (always logged first) is drawn first.
        foreach (var series in points.GroupBy(p => p.Series))
        {
            var scatter = plot.Add.Scatter(
                series.Select(p => p.Iteration).ToArray(), series.Select(p => p.Value).ToArray());
            scatter.LegendText = series.Key;
            // Train loss is logged densely enough that markers would only blur the line.
            scatter.MarkerSize = series.Key == TrainLoss ? 0 : 5;
            if (series.First().IsAccuracy)
            {
                scatter.Axes.YAxis = plot.Axes.Right;
                anyAccuracy = true;
            }
        }

        if (anyAccuracy)
        {
            plot.Axes.Right.Label.Text = "Accuracy";
            plot.Axes.SetLimitsY(0, 1, plot.Axes.Right);
        }

        plot.ShowLegend(Alignment.UpperCenter);

        // Rendered beside the target and moved over it, so a failure never leaves a half-written PNG.
        var temporary = pngPath + ".tmp";
        try
        {
            plot.SavePng(temporary, width, height);
            File.Move(temporary, pngPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static List<Point> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such metrics file", path);
        }

        var points = new List<Point>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                AddPoints(document.RootElement, points);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }

        if (!points.Exists(p => p.Series == TrainLoss))
        {
            throw new InvalidDataException($"{path}: no train records, so there is no loss curve to plot");
        }

        // A diverged run logs NaN or infinite losses; the points before that are still worth seeing.
        points.RemoveAll(p => !double.IsFinite(p.Value));
        return points;
    }

    private static void AddPoints(JsonElement record, List<Point> points)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"expected a JSON object, found {record.ValueKind}");
        }

        var phase = Property(record, "phase");
        if (phase.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException("\"phase\" is not a string");
        }

        switch (phase.GetString())
        {
            case "train":
                points.Add(new Point(TrainLoss, false, NumberProperty(record, "iter"), NumberProperty(record, "loss")));
                break;
            case "test":
                AddTestPoints(record, points);
                break;
            default:
                // Other record kinds carry nothing this chart shows; skipping them lets the trainer add kinds freely.
                break;
        }
    }

    private static void AddTestPoints(JsonElement record, List<Point> points)
    {
        double iteration = NumberProperty(record, "iter");
        int net = record.TryGetProperty("net", out var netElement) && netElement.TryGetInt32(out var n) ? n : 0;
        var outputs = Property(record, "outputs");
        if (outputs.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("\"outputs\" is not an object");
        }

        var prefix = net == 0 ? "test" : $"test net {net}";
        foreach (var output in outputs.EnumerateObject())
        {
            bool isAccuracy = output.Name.StartsWith("accuracy", StringComparison.OrdinalIgnoreCase);
            if (isAccuracy || output.Name.Contains("loss", StringComparison.OrdinalIgnoreCase))
            {
                points.Add(new Point($"{prefix} {output.Name}", isAccuracy, iteration, Number(output.Value, output.Name)));
            }
        }
    }

    private static JsonElement Property(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) ? value : throw new InvalidDataException($"no \"{name}\"");

    private static double NumberProperty(JsonElement record, string name) => Number(Property(record, name), name);

    private static double Number(JsonElement value, string name)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        // System.Text.Json writes non-finite doubles as these strings when asked to.
        if (value.ValueKind == JsonValueKind.String
            && value.GetString() is "NaN" or "Infinity" or "-Infinity"
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var special))
        {
            return special;
        }

        throw new InvalidDataException($"\"{name}\" is not a number");
    }
}
