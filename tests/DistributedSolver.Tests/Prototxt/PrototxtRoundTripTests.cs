using System.Globalization;
using System.Text;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using FsCheck.Xunit;

namespace DistributedSolver.Tests.Prototxt;

public sealed class PrototxtRoundTripTests
{
    /// <summary>Scalars written as prototxt, the way Caffe's printer would, parse back equal.</summary>
    [Property(MaxTest = 300)]
    public bool SolverScalarsRoundTrip(int maxIter, long randomSeed, float baseLr, double gammaWide, bool debugInfo,
        string? prefix, bool gpu, int[] testIter, uint batchSize)
    {
        float gamma = (float)gammaWide;
        var expected = new SolverParameter
        {
            MaxIter = maxIter,
            RandomSeed = randomSeed,
            BaseLr = baseLr,
            Gamma = gamma,
            DebugInfo = debugInfo,
            SnapshotPrefix = Utf8Clean(prefix ?? ""),
            SolverMode = gpu ? SolverParameter.Types.SolverMode.Gpu : SolverParameter.Types.SolverMode.Cpu,
            TrainNetParam = new NetParameter(),
        };
        expected.TestIter.Add(testIter);
        expected.TrainNetParam.Layer.Add(new LayerParameter { DataParam = new DataParameter { BatchSize = batchSize } });

        string text = $"""
            max_iter: {maxIter}
            random_seed: {randomSeed}
            base_lr: {Format(baseLr)}
            gamma: {Format(gamma)}
            debug_info: {(debugInfo ? "true" : "false")}
            snapshot_prefix: {Quote(expected.SnapshotPrefix)}
            solver_mode: {(gpu ? "GPU" : "CPU")}
            test_iter: [{string.Join(", ", testIter)}]
            train_net_param {"{"} layer {"{"} data_param {"{"} batch_size: {batchSize} {"}"} {"}"} {"}"}
            """;

        return PrototxtParser.Parse<SolverParameter>(text, "random.prototxt").Equals(expected);
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Utf8Clean(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    /// <summary>C-escapes the UTF-8 bytes as Caffe's printer does: printable ASCII as is, the rest in octal.</summary>
    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            quoted.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}",
            });
        }
        return quoted.Append('"').ToString();
    }
}
