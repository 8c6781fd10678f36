using System.Diagnostics;
using DistributedSolver.Data;
using DistributedSolver.Keras;

namespace DistributedSolver.Examples;

/// <summary>What the CSV examples share: the summary, then either the files for dsolver train or a fit and a test.</summary>
internal static class ExampleRun
{
    /// <summary>The test scores after training, or null when the example's files were written instead.</summary>
    public static IReadOnlyDictionary<string, float>? TrainOrExport(Sequential model, string directory, bool export,
        (NDArray X, NDArray Y) train, (NDArray X, NDArray Y) test, int batchSize, int epochs, int verbose)
    {
        Console.Write(model.Summary());
        if (export)
        {
            model.ExportTraining(directory, train.X, train.Y, batchSize, epochs, validationData: test);
            Console.WriteLine($"wrote {directory}/solver.prototxt, train_test.prototxt, train.csv, validation.csv (the test split)");
            return null;
        }
        var clock = Stopwatch.StartNew();
        model.Fit(train.X, train.Y, batchSize, epochs, verbose, validationData: test);
        var scores = model.Evaluate(test.X, test.Y);
        Console.WriteLine($"{train.X.Length} training and {test.X.Length} test samples, {clock.Elapsed.TotalSeconds:F1} s to train and test");
        return scores;
    }
}
