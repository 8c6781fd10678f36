using System.Text;

namespace DistributedSolver.Cli.Tests.Launch;

/// <summary>A console stand-in that keeps complete lines and lets a test wait for one instead of sleeping.</summary>
internal sealed class RecordingWriter : TextWriter
{
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly StringBuilder _partial = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public override void Write(char value)
    {
        lock (_lines)
        {
            if (value != '\n')
            {
                _partial.Append(value);
                return;
            }
            string line = _partial.ToString().TrimEnd('\r');
            _partial.Clear();
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Found.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>The first line that contains <paramref name="text"/>, once it is written (30 s at most).</summary>
    public async Task<string> WaitForLineAsync(string text)
    {
        bool Match(string line) => line.Contains(text, StringComparison.Ordinal);
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(Match) is { } line) return line;
            _waiters.Add((Match, found));
        }
        try
        {
            return await found.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no line with '{text}' within 30 s; lines:\n{string.Join('\n', Lines)}");
        }
    }
}
