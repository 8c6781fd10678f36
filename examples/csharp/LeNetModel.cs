using DistributedSolver.Keras;
using DistributedSolver.Optimizers;

namespace DistributedSolver.Examples;

/// <summary>
/// Caffe's LeNet (examples/fashion_mnist/lenet_*.prototxt) written with the C# API: the same
/// layers, fillers (Caffe's xavier is Keras's lecun_uniform), bias lr_mult 2 and solver (SGD with
/// momentum, weight decay, lr_policy inv). The tests compile this file too and check that it
/// trains the prototxt's bits.
/// </summary>
internal static class LeNetModel
{
    public static Sequential Create(long seed)
    {
        var solver = new Sgd(learningRate: 0.01, momentum: 0.9).ToSolverParameter();
        (solver.WeightDecay, solver.LrPolicy, solver.Gamma, solver.Power) = (0.0005f, "inv", 0.0001f, 0.75f);
        return new Sequential("LeNet", seed)
            .Add(new Input(1, 28, 28))
            .Add(new Conv2D(20, 5, kernelInitializer: "lecun_uniform", name: "conv1") { BiasLearningRateMultiplier = 2 })
            .Add(new MaxPooling2D(2, 2, name: "pool1"))
            .Add(new Conv2D(50, 5, kernelInitializer: "lecun_uniform", name: "conv2") { BiasLearningRateMultiplier = 2 })
            .Add(new MaxPooling2D(2, 2, name: "pool2"))
            .Add(new Flatten())
            .Add(new Dense(500, activation: "relu", kernelInitializer: "lecun_uniform", name: "ip1") { BiasLearningRateMultiplier = 2 })
            .Add(new Dense(10, activation: "softmax", kernelInitializer: "lecun_uniform", name: "ip2") { BiasLearningRateMultiplier = 2 })
            .Compile(solver, loss: "sparse_categorical_crossentropy", metrics: ["accuracy"]);
    }
}
