using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using static DistributedSolver.Tests.Layers.LayerTestUtil;

namespace DistributedSolver.Tests.Layers;

/// <summary>
/// Dropout's mask is a function of (seed, the unit's data position, layer) and the element alone;
/// a position names one (iteration, unit). TEST is the identity.
/// </summary>
public sealed class DropoutLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    // Ones through two dropout layers of ratio 0.25: every output is 0 or 1/0.75.
    private const string Definition = """
        layer { name: "in" type: "DummyData" top: "x" dummy_data_param { shape { dim: 8 dim: 5000 } data_filler { type: "constant" value: 1 } } }
        layer { name: "drop1" type: "Dropout" bottom: "x" top: "a" dropout_param { dropout_ratio: 0.25 } }
        layer { name: "drop2" type: "Dropout" bottom: "x" top: "b" dropout_param { dropout_ratio: 0.25 } }
        """;

    private Net Build(Phase phase, int seed = 9) =>
        new(PrototxtParser.Parse<NetParameter>(Definition, "dropout.prototxt"), phase, _backend, new NetContext(".", seed));

    private static float[] Output(Net net, string name) => net.ReadValues(net.Outputs.Single(o => o.Name == name).Blob);

    // The trainer's position of a unit: ((iteration · iter_size) + unit) · batch, here iter_size 2, batch 8.
    private static float[] Mask(Net net, int iteration, int unit, string name = "a")
    {
        net.SetDataPosition((iteration * 2L + unit) * 8);
        net.Forward();
        return Output(net, name);
    }

    [Fact]
    public void The_mask_is_reproducible_for_a_seed_iteration_and_unit_and_differs_otherwise()
    {
        var net = Build(Phase.Train);
        var mask = Mask(net, iteration: 3, unit: 1);
        Assert.All(mask, v => Assert.True(v == 0f || v == 1f / 0.75f, $"{v}"));
        Assert.Equal(mask, Mask(Build(Phase.Train), iteration: 3, unit: 1)); // another net, same unit
        Mask(net, iteration: 4, unit: 0);                                    // another unit in between,
        Assert.Equal(mask, Mask(net, iteration: 3, unit: 1));                // then the same unit again
        Assert.NotEqual(mask, Mask(net, iteration: 3, unit: 0));
        Assert.NotEqual(mask, Mask(net, iteration: 4, unit: 1));
        Assert.NotEqual(mask, Mask(Build(Phase.Train, seed: 10), iteration: 3, unit: 1));
        Assert.NotEqual(mask, Mask(net, iteration: 3, unit: 1, name: "b")); // each layer draws its own mask
    }

    [Fact]
    public void About_one_minus_the_ratio_is_kept_and_scaled_to_keep_the_mean()
    {
        var mask = Mask(Build(Phase.Train), iteration: 0, unit: 0);
        double kept = mask.Count(v => v != 0f) / (double)mask.Length;
        // 40000 Bernoulli(0.75) draws: the standard deviation of the fraction is 0.0022.
        Assert.InRange(kept, 0.75 - 0.01, 0.75 + 0.01);
        Assert.InRange(mask.Average(), 1 - 0.015, 1 + 0.015);
    }

    [Fact]
    public void The_test_phase_is_the_identity_even_when_train_and_test_share_one_definition()
    {
        var definition = PrototxtParser.Parse<NetParameter>(Definition, "dropout.prototxt");
        var context = new NetContext(".", 9);
        _ = new Net(definition, Phase.Train, _backend, context);
        var test = new Net(definition, Phase.Test, _backend, context);
        test.SetDataPosition(24);
        test.Forward();
        Assert.All(Output(test, "a"), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Backward_lets_through_exactly_the_kept_elements_scaled()
    {
        var p = new LayerParameter { Name = "drop", Type = "Dropout", Phase = Phase.Train, DropoutParam = new DropoutParameter { DropoutRatio = 0.5f } };
        var layer = new DropoutLayer(p, _backend) { RandomKey = 12345 };
        var x = Gaussian(_backend, "x", [4, 50], seed: 1);
        var top = Empty("y");
        GradientChecker.SetUp(layer, [x], [top], _backend);
        layer.Forward([x], [top]);
        var y = Read(_backend, top.Data);
        var input = Read(_backend, x.Data);
        _backend.Upload(Enumerable.Repeat(1f, x.Count).ToArray(), top.Diff);
        layer.Backward([top], [true], [x]);
        var dx = Read(_backend, x.Diff);
        for (int i = 0; i < y.Length; i++)
        {
            bool kept = y[i] != 0f;
            Assert.Equal(kept ? input[i] * 2f : 0f, y[i]);
            Assert.Equal(kept ? 2f : 0f, dx[i]);
        }
        var checker = new GradientChecker(_backend);
        checker.Check(layer, [x], [top], [0]);
    }

    [Fact]
    public void The_mask_has_the_same_bits_on_one_and_two_threads()
    {
        float[] Run(int threads)
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
            var p = new LayerParameter { Name = "drop", Type = "Dropout", Phase = Phase.Train, DropoutParam = new DropoutParameter { DropoutRatio = 0.3f } };
            var layer = new DropoutLayer(p, backend) { RandomKey = 99 };
            var x = Gaussian(backend, "x", [3, 70000], seed: 2); // several 32 k-element chunks
            var top = Empty("y");
            GradientChecker.SetUp(layer, [x], [top], backend);
            layer.Forward([x], [top]);
            return Read(backend, top.Data);
        }
        Assert.Equal(Run(1).Select(BitConverter.SingleToInt32Bits), Run(2).Select(BitConverter.SingleToInt32Bits));
    }
}
