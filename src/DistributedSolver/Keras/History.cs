namespace DistributedSolver.Keras;

/// <summary>
/// What <see cref="Sequential.Fit"/> returns, Keras's <c>History.history</c>: per epoch, the mean
/// of the loss and of each metric over the epoch's steps, and with validation data the same on
/// the validation samples after the epoch (<c>val_loss</c>, <c>val_mae</c>, …).
/// </summary>
public sealed class History
{
    private readonly Dictionary<string, List<float>> _values = [];
    private readonly List<string> _keys = [];

    /// <summary>The names, in Keras's order: loss, the metrics, then their val_ versions.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>The value of <paramref name="key"/> after each epoch.</summary>
    public IReadOnlyList<float> this[string key] => _values.TryGetValue(key, out var values) ? values
        : throw new KeyNotFoundException($"no '{key}' in the history (it has {string.Join(", ", _keys)})");

    /// <summary>The epochs recorded.</summary>
    public int Epochs => _keys.Count == 0 ? 0 : _values[_keys[0]].Count;

    internal void Add(string key, float value)
    {
        if (!_values.TryGetValue(key, out var values))
        {
            _values[key] = values = [];
            _keys.Add(key);
        }
        values.Add(value);
    }
}
