using System.Globalization;
using System.Text.RegularExpressions;

namespace DistributedSolver.Cluster.Tests.Operations;

/// <summary>
/// A strict reader of Prometheus's text exposition format 0.0.4, written from its published
/// specification (not from prometheus-net): HELP and TYPE lines, then samples
/// <c>name{label="value",…} value</c> with each family's TYPE before its samples. Any other line
/// is an error naming it.
/// </summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public static (IReadOnlyDictionary<string, string> Types, IReadOnlyList<Sample> Samples) Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        var lines = text.Split('\n');
        if (lines[^1].Length != 0) throw new FormatException("the text must end with a line feed");
        for (int i = 0; i < lines.Length - 1; i++)
        {
            string line = lines[i];
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                if (!comment.Success) continue; // other comments are allowed and ignored
                string kind = comment.Groups[1].Value, name = comment.Groups[2].Value, rest = comment.Groups[3].Value;
                if (kind == "TYPE")
                {
                    if (rest is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                        throw new FormatException($"line {i + 1}: unknown type '{rest}'");
                    if (!types.TryAdd(name, rest)) throw new FormatException($"line {i + 1}: a second TYPE for {name}");
                    if (samples.Any(s => s.Name == name)) throw new FormatException($"line {i + 1}: TYPE of {name} after its samples");
                }
                continue;
            }
            var sample = SampleLine().Match(line);
            if (!sample.Success) throw new FormatException($"line {i + 1}: not a sample: {line}");
            var labels = new Dictionary<string, string>();
            foreach (Match label in Label().Matches(sample.Groups[2].Value))
                if (!labels.TryAdd(label.Groups[1].Value, Unescape(label.Groups[2].Value)))
                    throw new FormatException($"line {i + 1}: label {label.Groups[1].Value} twice");
            samples.Add(new Sample(sample.Groups[1].Value, labels, ParseValue(sample.Groups[3].Value, i + 1)));
        }
        foreach (var s in samples)
            if (!types.ContainsKey(s.Name)) throw new FormatException($"{s.Name} has samples but no TYPE");
        return (types, samples);
    }

    private static double ParseValue(string text, int line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new FormatException($"line {line}: '{text}' is not a sample value"),
    };

    private static string Unescape(string value) => value.Replace("\\n", "\n").Replace("\\\"", "\"").Replace("\\\\", "\\");

    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$")]
    private static partial Regex Comment();

    // name, an optional label set of name="escaped value" pairs (a trailing comma allowed), value, optional timestamp.
    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"",?)*)\})? (\S+)(?: -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\\n]|\\[\\""n])*)""")]
    private static partial Regex Label();
}
