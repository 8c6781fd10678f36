using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;

namespace DistributedSolver.Examples;

/// <summary>
/// A binary classifier in the shape of Keras's IMDB example: Dense(16, relu) twice and
/// Dense(1, sigmoid), binary_crossentropy, Adam with AMSGrad, on sklearn's 8x8 digits: is it a 0?
/// </summary>
internal static class DigitsBinary
{
    public static void Run(bool export)
    {
        string directory = Path.Combine(Datasets.Examples, "digits_binary");
        // sklearn's digits.csv.gz: 1797 rows of 64 pixel values (0–16) and the digit.
        var rows = Datasets.ReadCsv(Path.Combine(directory, "digits.csv.gz"), headerLines: 0);
        var (train, test) = Datasets.Split(rows.Length, 0.8, seed: 113);
        NDArray Pixels(int[] take) => new([.. take.SelectMany(r => rows[r].Take(64).Select(v => v / 16f))], take.Length, 64);
        NDArray IsZero(int[] take) => take.Select(r => rows[r][64] == 0 ? 1f : 0f).ToArray();
        var (xTrain, yTrain, xTest, yTest) = (Pixels(train), IsZero(train), Pixels(test), IsZero(test));

        var model = new Sequential("digits_zero", seed: 113)
            .Add(new Input(64))
            .Add(new Dense(16, activation: "relu"))
            .Add(new Dense(16, activation: "relu"))
            .Add(new Dense(1, activation: "sigmoid"))
            .Compile(new Adam(learningRate: 0.001, amsgrad: true), loss: "binary_crossentropy", metrics: ["accuracy"]);
        if (ExampleRun.TrainOrExport(model, directory, export, (xTrain, yTrain), (xTest, yTest), batchSize: 32, epochs: 10, verbose: 2) is { } scores)
            Console.WriteLine($"test accuracy {scores["accuracy"]:P2} (always answering \"not a 0\" scores {1 - yTest.ToArray().Average():P2}), test loss {scores["loss"]:F4}");
    }
}
