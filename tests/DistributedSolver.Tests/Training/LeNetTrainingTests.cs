using DistributedSolver.Backend.Cpu;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Training.TrainingFixture;

namespace DistributedSolver.Tests.Training;

/// <summary>A small LeNet (with a dropout layer) on the shipped subset: it learns, and its bits do not depend on the thread count.</summary>
public sealed class LeNetTrainingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-lenet-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Caffe's LeNet with fewer filters and units, so a few dozen iterations take a second.
    private static NetParameter SmallLeNet(int batch) => PrototxtParser.Parse<NetParameter>($$"""
        name: "small-lenet"
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                transform_param { scale: 0.00390625 } data_param { source: "{{RepoPaths.SubsetPrefix("train")}}" batch_size: {{batch}} } }
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                transform_param { scale: 0.00390625 } data_param { source: "{{RepoPaths.SubsetPrefix("t10k")}}" batch_size: 50 } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" param { lr_mult: 1 } param { lr_mult: 2 }
                convolution_param { num_output: 8 kernel_size: 5 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" param { lr_mult: 1 } param { lr_mult: 2 }
                convolution_param { num_output: 16 kernel_size: 5 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: 64 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "drop1" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: 0.2 } }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: 10 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy" include { phase: TEST } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """, "small-lenet.prototxt");

    private (Trainer Trainer, RecordingObserver Observer) Train(int threads, int iterations)
    {
        using var backend = CreateBackend(threads);
        var observer = new RecordingObserver();
        var solver = Solver(iterations, testInterval: iterations);
        solver.TestIter[0] = 4;
        var trainer = new Trainer(Definition(solver, SmallLeNet(batch: 32), Path.Combine(_directory, $"t{threads}")), backend, observer);
        trainer.Solve();
        return (trainer, observer);
    }

    private static int[] WeightBits(Trainer trainer) =>
        [.. trainer.TrainNet.Parameters.SelectMany(p => trainer.TrainNet.ReadValues(p.Blob)).Select(BitConverter.SingleToInt32Bits)];

    [Fact]
    public void The_loss_falls_and_one_and_two_threads_end_with_the_same_bits()
    {
        var (one, observer) = Train(threads: 1, iterations: 60);
        var losses = observer.Iterations.Select(r => r.SmoothedLoss).ToArray();
        float first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        Assert.True(last < 0.75f * first, $"mean loss of the first 10 iterations {first}, of the last 10 {last}");
        Assert.True(observer.Tests[^1].Outputs.Single(o => o.Name == "accuracy").Value > 0.4f);

        var (two, _) = Train(threads: 2, iterations: 60);
        Assert.Equal(WeightBits(one), WeightBits(two));
    }

    [Fact]
    public void A_units_dropout_mask_follows_its_position_even_where_the_data_does_not()
    {
        // Constant data: the batch is the same at every position, so only the mask, keyed by the
        // unit's position, can change the gradient.
        var net = PrototxtParser.Parse<NetParameter>("""
            name: "constant-dropout"
            layer { name: "in" type: "DummyData" top: "x" top: "label"
                    dummy_data_param { shape { dim: 8 dim: 20 } shape { dim: 8 } data_filler { type: "constant" value: 1 } data_filler { type: "constant" value: 1 } } }
            layer { name: "drop" type: "Dropout" bottom: "x" top: "x" }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            """, "constant-dropout.prototxt");
        using var backend = CreateBackend(1);
        var trainer = new Trainer(new TrainingDefinition(Solver(1), net, [], RepoPaths.Root, Path.Combine(_directory, "units")), backend, new RecordingObserver());
        float[] Gradient(long position)
        {
            trainer.TrainNet.ForwardBackward(position);
            var values = new float[trainer.TrainNet.ParameterCount];
            backend.Download(trainer.TrainNet.ParameterDiff, values);
            return values;
        }
        var first = Gradient(40);
        Assert.Equal(first, Gradient(40));
        Assert.NotEqual(first, Gradient(48));
    }
}
