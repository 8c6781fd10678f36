namespace DistributedSolver.Data;

/// <summary>
/// A dense array of floats with a shape whose first axis counts samples, as Keras takes a NumPy
/// array: row-major (NumPy's and Caffe's layout), so sample i is one contiguous run of
/// <see cref="SampleSize"/> values. Images are channels-first, (samples, channels, height, width).
/// </summary>
public sealed class NDArray
{
    private readonly float[] _data;

    /// <param name="data">The values, row-major; the array is used as is, not copied.</param>
    /// <param name="shape">Samples first, then the shape of one sample.</param>
    public NDArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length == 0) throw new ArgumentException("the shape needs at least the sample axis", nameof(shape));
        if (shape.Any(d => d < 0)) throw new ArgumentException($"negative dimension in ({string.Join(", ", shape)})", nameof(shape));
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length) throw new ArgumentException($"{data.Length} values do not fill the shape ({string.Join(", ", shape)}) of {count}", nameof(data));
        _data = data;
        Shape = [.. shape];
        SampleSize = shape.Skip(1).Aggregate(1, (a, d) => checked(a * d));
    }

    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of samples (the first axis).</summary>
    public int Length => Shape[0];

    /// <summary>The values of one sample: the product of the axes after the first.</summary>
    public int SampleSize { get; }

    /// <summary>The shape of one sample (empty for one value per sample).</summary>
    public IReadOnlyList<int> SampleShape => [.. Shape.Skip(1)];

    public float this[int sample, int index] => Sample(sample)[index];

    /// <summary>Sample <paramref name="index"/>'s values, row-major.</summary>
    public ReadOnlySpan<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
        return _data.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>A copy of <paramref name="count"/> samples from <paramref name="start"/>.</summary>
    public NDArray Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"samples {start}..{start + count} of {Length}");
        return new NDArray(_data.AsSpan(start * SampleSize, count * SampleSize).ToArray(), [count, .. SampleShape]);
    }

    /// <summary>A copy of the values, row-major.</summary>
    public float[] ToArray() => [.. _data];

    /// <summary>Rows of equal length as a (rows, columns) array.</summary>
    /// <exception cref="ArgumentException">The rows differ in length.</exception>
    public static NDArray FromRows(IReadOnlyList<float[]> rows)
    {
        int columns = rows.Count == 0 ? 0 : rows[0].Length;
        var data = new float[rows.Count * columns];
        for (int r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != columns) throw new ArgumentException($"row {r} has {rows[r].Length} values, row 0 has {columns}", nameof(rows));
            rows[r].CopyTo(data, r * columns);
        }
        return new NDArray(data, rows.Count, columns);
    }

    public static implicit operator NDArray(float[,] values)
    {
        var data = new float[values.Length];
        Buffer.BlockCopy(values, 0, data, 0, values.Length * sizeof(float));
        return new NDArray(data, values.GetLength(0), values.GetLength(1));
    }

    /// <summary>One value per sample (targets, class indices).</summary>
    public static implicit operator NDArray(float[] values) => new([.. values], values.Length);

    /// <summary>Class indices, one per sample.</summary>
    public static implicit operator NDArray(int[] labels) => new([.. labels.Select(l => (float)l)], labels.Length);

    public override string ToString() => $"NDArray({string.Join(", ", Shape)})";
}
