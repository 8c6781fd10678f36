using System.Globalization;
using System.Text;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's progress bar (tf.keras's Progbar, the <c>[====&gt;....]</c> one) for one epoch of
/// <paramref name="target"/> steps. verbose 1: on a terminal the bar is redrawn in place at most
/// every 50 ms with an ETA, and every epoch ends with
/// <c>404/404 [==============================] - 1s 967us/step - loss: 5.3417 - mae: 1.6243</c>;
/// when the output is redirected only that last line is written (Keras would write a line per
/// update). verbose 2: only <c>404/404 - 1s - loss: 5.3417 - mae: 1.6243</c>. Values print as
/// Keras prints them: %.4f, or %.4e when at most 1e-3.
/// </summary>
internal sealed class ProgressBar(int target, int verbose, TextWriter writer, bool dynamic, Func<double> seconds)
{
    private const int Width = 30;
    private const double Interval = 0.05;

    private readonly double _start = seconds();
    private double _lastUpdate = double.NegativeInfinity;
    private double? _afterFirstStep;
    private int _previousWidth;

    /// <param name="current">Steps done so far in the epoch.</param>
    /// <param name="values">What to show, as is: the epoch's running means.</param>
    public void Update(int current, IReadOnlyList<(string Name, float Value)> values)
    {
        double now = seconds();
        double perStep = StepDuration(current, now);
        bool final = current >= target;
        string elapsed = $" - {Round(now - _start)}s";
        if (verbose == 2)
        {
            if (final) writer.WriteLine($"{Count(current)}{elapsed}{Values(values, abs: false)}");
            return;
        }
        if (!final && (!dynamic || now - _lastUpdate < Interval)) return;
        _lastUpdate = now;
        var line = new StringBuilder(Count(current)).Append(" [").Append(Bar(current)).Append(']');
        line.Append(final ? elapsed + PerStep(perStep) : " - ETA: " + Eta(perStep * (target - current)));
        line.Append(Values(values, abs: true));
        int width = line.Length;
        if (_previousWidth > width) line.Append(' ', _previousWidth - width);
        _previousWidth = width;
        if (dynamic) writer.Write("\r" + line);
        else writer.Write(line);
        if (final) writer.WriteLine();
        writer.Flush();
    }

    private string Count(int current) => $"{current.ToString(CultureInfo.InvariantCulture).PadLeft(target.ToString(CultureInfo.InvariantCulture).Length)}/{target}";

    private string Bar(int current)
    {
        int filled = (int)(Width * (double)current / target);
        var bar = new StringBuilder();
        if (filled > 0) bar.Append('=', filled - 1).Append(current < target ? '>' : '=');
        return bar.Append('.', Width - filled).ToString();
    }

    // Keras ignores the first step, which pays for warm-up, once there are more.
    private double StepDuration(int current, double now)
    {
        if (current == 0) return 0;
        double perStep = _afterFirstStep is { } first && current > 1 ? (now - first) / (current - 1) : (now - _start) / current;
        if (current == 1) _afterFirstStep = now;
        return perStep;
    }

    private static string PerStep(double seconds) =>
        seconds >= 1 || seconds == 0 ? $" {Round(seconds)}s/step"
        : seconds >= 1e-3 ? $" {Round(seconds * 1e3)}ms/step"
        : $" {Round(seconds * 1e6)}us/step";

    private static string Eta(double seconds) =>
        seconds > 3600 ? $"{(int)(seconds / 3600)}:{(int)(seconds % 3600 / 60):00}:{(int)(seconds % 60):00}"
        : seconds > 60 ? $"{(int)(seconds / 60)}:{(int)(seconds % 60):00}"
        : $"{(int)seconds}s";

    // verbose 2 compares the value itself with 1e-3, verbose 1 its magnitude, as Keras does.
    private static string Values(IReadOnlyList<(string Name, float Value)> values, bool abs) =>
        string.Concat(values.Select(v => $" - {v.Name}: {Format(v.Value, abs)}"));

    // Keras formats the float32 as Python's double.
    internal static string Format(float value, bool abs = true) =>
        (abs ? Math.Abs(value) : value) > 1e-3 ? ((double)value).ToString("F4", CultureInfo.InvariantCulture)
        : ((double)value).ToString("0.0000e+00", CultureInfo.InvariantCulture);

    private static string Round(double value) => Math.Round(value, MidpointRounding.ToEven).ToString("F0", CultureInfo.InvariantCulture);
}
