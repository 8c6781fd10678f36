using System.Text.Json;

namespace DistributedSolver.Cli.Tests.Commands;

public sealed class TrainCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Train_logs_like_Caffe_snapshots_resumes_and_the_model_tests_and_plots()
    {
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", "solver.prototxt");
        Assert.True(exit == 0, error + output);
        Assert.Matches(@"I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ solver\] Iteration 20, Testing net \(#0\)", output);
        Assert.Matches(@"Test net output #0: accuracy = 0\.\d+", output);
        Assert.Matches(@"Test net output #1: loss = [\d.]+ \(\* 1 = [\d.]+ loss\)", output);
        Assert.Matches(@"Iteration 10 \([\d.]+ iter/s, [\d.]+ samples/s\), loss = [\d.]+", output);
        Assert.Contains("Iteration 10, lr = 0.01", output);
        Assert.Contains("Optimization Done.", output);
        Assert.Contains("fashion-mnist", output); // which data it read
        foreach (var ext in new[] { "caffemodel", "solverstate", "resume.json" })
        {
            Assert.True(File.Exists(_workspace.PathOf($"out/mlp_iter_20.{ext}")));
            Assert.True(File.Exists(_workspace.PathOf($"out/mlp_iter_40.{ext}")));
        }

        var metrics = File.ReadAllLines(_workspace.PathOf("out/mlp_metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([0, 10, 20, 30], metrics.Where(m => m.GetProperty("phase").GetString() == "train").Select(m => m.GetProperty("iter").GetInt32()));
        Assert.Contains(metrics, m => m.GetProperty("phase").GetString() == "test" && m.GetProperty("outputs").TryGetProperty("accuracy", out _));

        // Resume from the middle: ends at 40 again and says so.
        (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", "solver.prototxt", "--snapshot", "out/mlp_iter_20.solverstate");
        Assert.True(exit == 0, error + output);
        Assert.Contains("Restored iteration 20", output);

        (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "test", "--model", "net.prototxt", "--weights", "out/mlp_iter_40.caffemodel", "--iterations", "4");
        Assert.True(exit == 0, error + output);
        Assert.Matches(@"Batch 3, accuracy = 0\.\d+", output);
        Assert.Matches(@"\] accuracy = 0\.\d+", output);
        Assert.Matches(@"\] loss = [\d.]+ \(\* 1 = [\d.]+ loss\)", output);

        (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "plot", "out/mlp_metrics.jsonl", "-o", "curves.png");
        Assert.True(exit == 0, error + output);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(_workspace.PathOf("curves.png"))[..4]);
    }
}
