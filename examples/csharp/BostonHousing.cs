using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;

namespace DistributedSolver.Examples;

/// <summary>
/// Keras's Boston housing regression: 13 standardized features, two Dense(64, relu) and a linear
/// output, mse loss with the mae metric, RMSprop at Keras's defaults, 7 epochs at batch 1.
/// </summary>
internal static class BostonHousing
{
    public static void Run(bool export)
    {
        string directory = Path.Combine(Datasets.Examples, "boston_housing");
        // sklearn's copy: a count line, a header, then 506 rows of 13 features and the price (MEDV, $1000s).
        var rows = Datasets.ReadCsv(Path.Combine(directory, "boston_house_prices.csv"), headerLines: 2);
        var (train, test) = Datasets.Split(rows.Length, 0.8, seed: 113);
        var (mean, std) = Datasets.Moments(rows, train, 13);
        var xTrain = Datasets.Standardized(rows, train, mean, std, 13);
        var xTest = Datasets.Standardized(rows, test, mean, std, 13);
        NDArray yTrain = train.Select(r => rows[r][13]).ToArray(), yTest = test.Select(r => rows[r][13]).ToArray();

        var model = new Sequential("boston", seed: 113)
            .Add(new Input(13))
            .Add(new Dense(64, activation: "relu"))
            .Add(new Dense(64, activation: "relu"))
            .Add(new Dense(1))
            .Compile(new RmsProp(learningRate: 0.001, rho: 0.9, epsilon: 1e-7), loss: "mse", metrics: ["mae"]);
        if (ExampleRun.TrainOrExport(model, directory, export, (xTrain, yTrain), (xTest, yTest), batchSize: 1, epochs: 7, verbose: 1) is { } scores)
            Console.WriteLine($"test mse {scores["loss"]:F4}, test mae {scores["mae"]:F4} ($1000s)");
    }
}
