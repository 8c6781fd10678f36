using DistributedSolver.Data;
using DistributedSolver.Keras;

namespace DistributedSolver.Examples;

/// <summary>
/// Caffe's LeNet through the C# API (<see cref="LeNetModel"/>) on Fashion-MNIST, read as the
/// prototxt's Data layers read it: two epochs at batch 64, validated on the test images.
/// </summary>
internal static class LeNet
{
    public static void Run()
    {
        string directory = Path.Combine(Datasets.Examples, "fashion_mnist");
        var (xTrain, yTrain, description) = Load("fashion-mnist/train", directory);
        var (xTest, yTest, _) = Load("fashion-mnist/t10k", directory);
        Console.WriteLine($"Fashion-MNIST from {description}: {xTrain.Length} training and {xTest.Length} test images");

        var model = LeNetModel.Create(seed: 1701);
        Console.Write(model.Summary());
        var started = DateTime.UtcNow;
        model.Fit(xTrain, yTrain, batchSize: 64, epochs: 2, verbose: 1, validationData: (xTest, yTest), shuffle: false);
        var scores = model.Evaluate(xTest, yTest, batchSize: 100);
        Console.WriteLine($"test accuracy {scores["accuracy"]:P2}, test loss {scores["loss"]:F4}, {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    // The prototxt's Data layer: the IDX pair its source names, pixels scaled by 1/256.
    private static (NDArray X, NDArray Y, string Description) Load(string source, string netDirectory)
    {
        var files = DataSourceResolver.Resolve(source, netDirectory);
        var set = LabeledImageSet.Load(files.ImagesPath, files.LabelsPath);
        var x = new NDArray([.. set.Pixels.Select(p => p * 0.00390625f)], set.Count, 1, set.Height, set.Width);
        return (x, set.Labels.Select(l => (float)l).ToArray(), set.Description);
    }
}
