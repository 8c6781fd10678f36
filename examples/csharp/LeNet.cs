using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;

namespace DistributedSolver.Examples;

/// <summary>
/// Caffe's LeNet (examples/fashion_mnist/lenet_*.prototxt) written with the C# API: the same
/// layers, fillers (Caffe's xavier is Keras's lecun_uniform), bias lr_mult 2 and solver (SGD with
/// momentum, weight decay, lr_policy inv), so it trains the same bits as the prototxt on the same
/// samples (a test checks 20 iterations). Two epochs at batch 64, validated on the test images.
/// </summary>
internal static class LeNet
{
    public static void Run()
    {
        string directory = Path.Combine(Datasets.Examples, "fashion_mnist");
        var (xTrain, yTrain, description) = Load("fashion-mnist/train", directory);
        var (xTest, yTest, _) = Load("fashion-mnist/t10k", directory);
        Console.WriteLine($"Fashion-MNIST from {description}: {xTrain.Length} training and {xTest.Length} test images");

        var solver = new Sgd(learningRate: 0.01, momentum: 0.9).ToSolverParameter();
        (solver.WeightDecay, solver.LrPolicy, solver.Gamma, solver.Power) = (0.0005f, "inv", 0.0001f, 0.75f);
        var model = new Sequential("LeNet", seed: 1701)
            .Add(new Input(1, 28, 28))
            .Add(new Conv2D(20, 5, kernelInitializer: "lecun_uniform", name: "conv1") { BiasLearningRateMultiplier = 2 })
            .Add(new MaxPooling2D(2, 2, name: "pool1"))
            .Add(new Conv2D(50, 5, kernelInitializer: "lecun_uniform", name: "conv2") { BiasLearningRateMultiplier = 2 })
            .Add(new MaxPooling2D(2, 2, name: "pool2"))
            .Add(new Flatten())
            .Add(new Dense(500, activation: "relu", kernelInitializer: "lecun_uniform", name: "ip1") { BiasLearningRateMultiplier = 2 })
            .Add(new Dense(10, activation: "softmax", kernelInitializer: "lecun_uniform", name: "ip2") { BiasLearningRateMultiplier = 2 })
            .Compile(solver, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
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
