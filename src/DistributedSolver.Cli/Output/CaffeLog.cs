using System.Globalization;

namespace DistributedSolver.Cli.Output;

/// <summary>
/// glog-style lines as Caffe prints them (<c>I1123 19:03:16.123456  4242 solver] Iteration 100, loss = …</c>),
/// so Caffe's log parsers and people's habits work on redirected output.
/// </summary>
internal sealed class CaffeLog(TextWriter writer)
{
    private static readonly int ProcessId = Environment.ProcessId;

    public void Write(string message)
    {
        var now = DateTime.Now;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"I{now:MMdd HH:mm:ss.ffffff} {ProcessId,5} solver] {message}"));
        writer.Flush();
    }

    public static string Number(float value) => value.ToString("G6", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    public static string Output(string prefix, int index, Training.OutputValue o) =>
        $"    {prefix} net output #{index}: {Value(o.Name, o.Value, o.LossWeight)}";

    /// <summary>Caffe's "name = value", with " (* weight = weighted loss)" for a loss output.</summary>
    public static string Value(string name, float value, float lossWeight)
    {
        string loss = lossWeight != 0f ? $" (* {Number(lossWeight)} = {Number(lossWeight * value)} loss)" : "";
        return $"{name} = {Number(value)}{loss}";
    }
}
