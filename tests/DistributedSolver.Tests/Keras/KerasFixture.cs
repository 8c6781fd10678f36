using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;

namespace DistributedSolver.Tests.Keras;

/// <summary>Small data sets and models for the Keras API's tests.</summary>
internal static class KerasFixture
{
    /// <summary>n samples of 3 features in [−1, 1] with y = 2·x0 − x1 + 0.5·x2 + 0.3: a linear target the models can learn.</summary>
    public static (NDArray X, NDArray Y) Regression(int n, int seed = 3)
    {
        var random = new Random(seed);
        var x = new float[n * 3];
        var y = new float[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 3; j++) x[i * 3 + j] = (float)(random.NextDouble() * 2 - 1);
            y[i] = 2 * x[i * 3] - x[i * 3 + 1] + 0.5f * x[i * 3 + 2] + 0.3f;
        }
        return (new NDArray(x, n, 3), new NDArray(y, n));
    }

    /// <summary>The regression's features with the class of x0 + x1 among {&lt; −0.3, middle, &gt; 0.3}, as class indices.</summary>
    public static (NDArray X, NDArray Y) Classes(int n, int seed = 4)
    {
        var (x, _) = Regression(n, seed);
        var labels = Enumerable.Range(0, n).Select(i => x[i, 0] + x[i, 1] is var s && s < -0.3f ? 0f : s > 0.3f ? 2f : 1f).ToArray();
        return (x, new NDArray(labels, n));
    }

    /// <summary>Two hidden layers of 8 and one output unit, with the given input declared.</summary>
    public static Sequential Mlp(string? outputActivation = null, int outputs = 1, long seed = 7, bool input = true)
    {
        var model = new Sequential(seed: seed);
        if (input) model.Add(new Input(3));
        return model.Add(new Dense(8, activation: "relu")).Add(new Dense(8, activation: "tanh")).Add(new Dense(outputs, activation: outputActivation));
    }

    public static Sequential CompiledRegression(long seed = 7) =>
        Mlp(seed: seed).Compile(new RmsProp(0.01), loss: "mse", metrics: ["mae"]);

    public static int[] Bits(IEnumerable<float> values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
