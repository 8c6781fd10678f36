using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Launch;

/// <summary>
/// The acceptance test, with real processes: <c>dsolver launch --workers 1, 2, 3</c> on the
/// quick-start MLP with <c>iter_size: 4</c> for 200 iterations writes the same .caffemodel, byte
/// for byte, as <c>dsolver train</c> (the shipped Fashion-MNIST subset, so the test does not
/// depend on Debian's data package).
/// </summary>
public sealed class LaunchEquivalenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-launch-equivalence-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Solver(string name)
    {
        string path = Path.Combine(_directory, name + ".prototxt");
        File.WriteAllText(path, $$"""
            net: "{{Path.Combine(RepoPaths.Root, "examples", "fashion_mnist", "mlp_train_test.prototxt")}}"
            test_iter: 5 test_interval: 100
            base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed"
            display: 50 average_loss: 20 max_iter: 200 iter_size: 4
            snapshot_prefix: "{{Path.Combine(_directory, name)}}" random_seed: 1701
            """);
        return path;
    }

    // The test net is far below the 1 MB default bucket: one run cuts it at every layer.
    [Theory]
    [InlineData(1, "1024")]
    [InlineData(2, "1")]
    [InlineData(3, "1024")]
    public void Launch_with_n_workers_writes_the_caffemodel_of_dsolver_train(int workers, string bucketKb)
    {
        var train = DsolverProcess.Run(_directory, "train", "--solver", Solver("train"));
        Assert.True(train.ExitCode == 0, train.Error);
        var launch = DsolverProcess.Run(_directory, "launch", "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bucket-kb", bucketKb, "--solver", Solver("launch"));
        Assert.True(launch.ExitCode == 0, launch.Out + launch.Error);

        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, "train_iter_200.caffemodel")),
            File.ReadAllBytes(Path.Combine(_directory, "launch_iter_200.caffemodel")));
        Assert.Equal(workers, launch.Out.Split('\n').Count(l => l.Contains("] Worker worker-", StringComparison.Ordinal) && l.Contains(" registered (", StringComparison.Ordinal)));
    }
}
