using DistributedSolver.Backend.Cpu;
using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Keras.KerasFixture;

namespace DistributedSolver.Tests.Keras;

/// <summary>
/// The C# API trains the NetParameter and SolverParameter a prototxt holds: Fit ends with the
/// bits that the same definition read from files ends with under <c>dsolver train</c>'s Trainer.
/// </summary>
public sealed class EquivalenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keras-equivalence-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Dictionary<string, int[]> Blobs(NetParameter model) =>
        model.Layer.Where(l => l.Blobs.Count > 0).ToDictionary(l => l.Name, l => Bits(l.Blobs.SelectMany(b => b.Data)));

    /// <summary>What <c>dsolver train --solver</c> does with a solver file, in this process.</summary>
    private static NetParameter TrainFromFiles(string solverPath, Action<SolverParameter>? adjust = null)
    {
        var definition = TrainingDefinition.Load(solverPath);
        adjust?.Invoke(definition.Solver);
        using var backend = new CpuBackend();
        var trainer = new Trainer(definition with { SnapshotPrefix = Path.Combine(Path.GetDirectoryName(solverPath)!, "out", "run") }, backend, new RecordingObserver());
        trainer.Solve();
        return trainer.TrainNet.ToProto();
    }

    [Fact]
    public void Fit_and_its_exported_prototxt_end_with_the_same_bits()
    {
        // Shuffled epochs with a padded last batch (37 samples at batch 8), dropout, a validation
        // split, Adam with amsgrad: every part of the mapping that could drift.
        var (x, y) = Regression(46);
        Sequential Model() => new Sequential(name: "regression", seed: 11)
            .Add(new Input(3))
            .Add(new Dense(16, activation: "relu"))
            .Add(new Dropout(0.25))
            .Add(new Dense(1))
            .Compile(new Adam(0.01, amsgrad: true), loss: "mse", metrics: ["mae"]);
        var fitted = Model();
        fitted.Fit(x, y, batchSize: 8, epochs: 3, verbose: 0, validationSplit: 0.2);
        Model().ExportTraining(_directory, x, y, batchSize: 8, epochs: 3, validationSplit: 0.2);

        var fromFiles = TrainFromFiles(Path.Combine(_directory, "solver.prototxt"));
        Assert.Equal(Blobs(fitted.Weights!), Blobs(fromFiles));
        Assert.Equal(["dense", "dense_1"], Blobs(fromFiles).Keys);
    }

    [Fact]
    public void The_CSharp_LeNet_trains_the_bits_of_the_prototxt_LeNet()
    {
        // examples/fashion_mnist/lenet_*.prototxt for 20 iterations at batch 64, and the C# LeNet
        // of examples/csharp over the same 1280 images in the same order.
        string solverPath = Path.Combine(RepoPaths.Root, "examples", "fashion_mnist", "lenet_solver.prototxt");
        var prototxt = TrainFromFiles(solverPath, s =>
        {
            s.MaxIter = 20;
            s.TestInterval = 0;
            s.SnapshotAfterTrain = false;
        });

        var definition = TrainingDefinition.Load(solverPath);
        var files = DistributedSolver.Data.DataSourceResolver.Resolve(definition.TrainNet.Layer[0].DataParam.Source, definition.NetDirectory);
        var images = LabeledImageSet.Load(files.ImagesPath, files.LabelsPath);
        const int n = 1280;
        var x = new NDArray([.. images.Pixels.Take(n * 784).Select(p => p * 0.00390625f)], n, 1, 28, 28);
        var y = new NDArray([.. images.Labels.Take(n).Select(l => (float)l)], n);

        var lenet = DistributedSolver.Examples.LeNetModel.Create(seed: definition.Solver.RandomSeed);
        lenet.Fit(x, y, batchSize: 64, epochs: 1, verbose: 0, shuffle: false);

        Assert.Equal(Blobs(prototxt), Blobs(lenet.Weights!));
    }
}
