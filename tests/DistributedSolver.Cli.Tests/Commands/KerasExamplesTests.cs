using System.Globalization;
using System.Text.RegularExpressions;
using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Snapshots;
using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Commands;

/// <summary>The Keras API's models under the real <c>dsolver train</c>: its exported files train its bits, and the shipped examples reach their goals.</summary>
public sealed class KerasExamplesTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static Dictionary<string, int[]> Blobs(NetParameter model) => model.Layer.Where(l => l.Blobs.Count > 0)
        .ToDictionary(l => l.Name, l => l.Blobs.SelectMany(b => b.Data).Select(BitConverter.SingleToInt32Bits).ToArray());

    [Fact]
    public void Dsolver_train_on_an_exported_model_ends_with_the_weights_Fit_ends_with()
    {
        var random = new Random(1);
        var x = new NDArray([.. Enumerable.Range(0, 60 * 4).Select(_ => (float)random.NextDouble())], 60, 4);
        var y = new NDArray([.. Enumerable.Range(0, 60).Select(i => x[i, 0] + x[i, 1] > 1 ? 1f : 0f)], 60);
        Sequential Model() => new Sequential("exported", seed: 5)
            .Add(new Input(4)).Add(new Dense(6, activation: "tanh")).Add(new Dropout(0.2)).Add(new Dense(1, activation: "sigmoid"))
            .Compile(new Adam(0.01, amsgrad: true), "binary_crossentropy", ["accuracy", "mae"]);
        Model().ExportTraining(_workspace.Directory, x, y, batchSize: 7, epochs: 3, validationSplit: 0.2);
        var fitted = Model();
        fitted.Fit(x, y, batchSize: 7, epochs: 3, verbose: 0, validationSplit: 0.2);
        fitted.Save(_workspace.PathOf("saved"));

        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", "solver.prototxt");
        Assert.True(exit == 0, error + output);
        Assert.Contains("Test net output #2: mae = ", output);
        // 48 training samples at batch 7: 7 steps an epoch, 21 iterations.
        var trained = SnapshotStore.ReadModel(_workspace.PathOf("snapshots/exported_iter_21.caffemodel"));
        Assert.Equal(Blobs(SnapshotStore.ReadModel(_workspace.PathOf("saved/model.caffemodel"))), Blobs(trained));
    }

    [Theory]
    [InlineData("boston_housing", "mae", 0, 3.5)]
    [InlineData("digits_binary", "accuracy", 0.95, 1)]
    public void The_shipped_examples_reach_their_goals_under_dsolver_train(string example, string metric, double low, double high)
    {
        string solver = Path.Combine(RepoPaths.Root, "examples", example, "solver.prototxt");
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", solver);
        Assert.True(exit == 0, error + output);
        var last = Regex.Matches(output, $@"Test net output #\d+: {metric} = ([\d.e+-]+)").Last();
        double value = double.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(value, low, high);
    }
}
