using System.Globalization;
using System.Text;

namespace DistributedSolver.Data;

/// <summary>
/// Samples held in memory: the inputs <see cref="X"/> and, for training and evaluation, the
/// targets <see cref="Y"/>, one row per sample. The C# API hands them to a net's ArrayData layer;
/// a prototxt reads them from a CSV file of the same rows.
/// </summary>
public sealed class ArrayDataset
{
    public ArrayDataset(NDArray x, NDArray? y = null)
    {
        if (y is not null && y.Length != x.Length)
            throw new ArgumentException($"y has {y.Length} rows, x has {x.Length}: one target row per sample", nameof(y));
        X = x;
        Y = y;
    }

    public NDArray X { get; }

    public NDArray? Y { get; }

    public int Count => X.Length;

    /// <summary>
    /// Reads a CSV of one sample per line: <paramref name="inputSize"/> input values, then the
    /// sample's targets (the same number on every line; none for inputs only). Lines starting
    /// with '#' and empty lines are skipped. Targets are (samples) when there is one per sample,
    /// else (samples, targets).
    /// </summary>
    /// <exception cref="InvalidDataException">A line is short, ragged or not numbers; the message names the file and line.</exception>
    public static ArrayDataset ReadCsv(string path, int inputSize)
    {
        var inputs = new List<float>();
        var targets = new List<float>();
        int width = -1, rows = 0, lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] cells = line.Split(',');
            if (width < 0) width = cells.Length;
            if (cells.Length != width || width < inputSize)
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} values, expected {Math.Max(width, inputSize)} ({inputSize} inputs, then the targets, the same on every line)");
            for (int c = 0; c < cells.Length; c++)
            {
                if (!float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
                    throw new InvalidDataException($"{path}:{lineNumber}: value {c + 1} '{cells[c]}' is not a number");
                (c < inputSize ? inputs : targets).Add(value);
            }
            rows++;
        }
        int targetCount = Math.Max(width - inputSize, 0);
        var x = new NDArray([.. inputs], rows, inputSize);
        NDArray? y = targetCount == 0 ? null : targetCount == 1 ? new NDArray([.. targets], rows) : new NDArray([.. targets], rows, targetCount);
        return new ArrayDataset(x, y);
    }

    /// <summary>Writes the rows as <see cref="ReadCsv"/> reads them, each value in the shortest form that reads back to its bits.</summary>
    public void WriteCsv(string path)
    {
        var text = new StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            var values = Y is null ? X.Sample(i).ToArray() : [.. X.Sample(i), .. Y.Sample(i)];
            text.AppendJoin(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }
}
