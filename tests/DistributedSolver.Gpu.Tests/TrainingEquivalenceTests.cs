using DistributedSolver.Backend;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Tests;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Training.TrainingFixture;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// Short training runs through the ordinary Trainer, once on the CPU backend and once on the
/// kernels (CPU accelerator), from the same seed and data: the layers, solvers and schedule are the
/// core's, only the backend differs. The runs cannot agree to the bit, because GEMM sums and
/// softmax's exponentials round differently (see the kernel tests). Those differences are a few
/// units of roundoff per operation, and a few iterations amplify them only mildly. Measured: losses
/// at most 2.1e-7 apart relatively, weights (|w| &lt; 0.5) at most 3e-8 (one ulp). The a-priori
/// bounds of the kernel tests compounded over the nets' GEMMs would allow ~1e-4 and prove little,
/// so the bound is set at 1e-6 (relative for losses, absolute for weights): several times what was
/// measured, and a hundred times less than how far training moved the weights.
/// </summary>
public sealed class TrainingEquivalenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-gpu-training-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (float[] Losses, float[] Initial, float[] Final) Train(IComputeBackend backend, SolverParameter solver, NetParameter net, string name)
    {
        var observer = new RecordingObserver();
        var trainer = new Trainer(new TrainingDefinition(solver, net, [], RepoPaths.Root, Path.Combine(_directory, name)), backend, observer);
        float[] Weights() => [.. trainer.TrainNet.Parameters.SelectMany(p => trainer.TrainNet.ReadValues(p.Blob))];
        var initial = Weights();
        trainer.Solve();
        return ([.. observer.Iterations.Select(r => r.SmoothedLoss)], initial, Weights());
    }

    private void AssertEquivalent(SolverParameter solver, NetParameter net, double lossBound, double weightBound)
    {
        // No test nets: the runs compare training alone.
        solver.TestIter.Clear();
        using var cpu = CreateBackend(threads: 1);
        using var gpu = IlgpuBackend.OpenCpuAccelerator();
        var (cpuLosses, initial, cpuWeights) = Train(cpu, solver, net, "cpu");
        var (gpuLosses, gpuInitial, gpuWeights) = Train(gpu, solver, net, "gpu");
        Tolerance.AssertIdentical(initial, gpuInitial);
        Assert.Equal(solver.MaxIter, gpuLosses.Length);
        Tolerance.AssertWithin(cpuLosses, gpuLosses, i => lossBound * Math.Abs(cpuLosses[i]));
        Tolerance.AssertWithin(cpuWeights, gpuWeights, _ => weightBound);
        // The bound is not vacuous: training moved the weights a hundred times further than it.
        double moved = cpuWeights.Zip(initial, (w, w0) => Math.Abs((double)w - w0)).Max();
        Assert.True(moved > 100 * weightBound, $"the weights moved at most {moved}");
    }

    [Fact]
    public void An_mlp_trains_to_the_cpu_backends_weights_within_1e_6()
    {
        var solver = Solver(maxIter: 8);
        AssertEquivalent(solver, Mlp(batch: 8, hidden: 16), lossBound: 1e-6, weightBound: 1e-6);
    }

    [Fact]
    public void After_the_first_iterations_training_allocates_no_device_memory_and_compiles_no_kernel()
    {
        var solver = Solver(maxIter: 2);
        solver.TestIter.Clear();
        using var gpu = IlgpuBackend.OpenCpuAccelerator();
        var trainer = new Trainer(new TrainingDefinition(solver, TinyLeNet(batch: 4), [], RepoPaths.Root, Path.Combine(_directory, "steady")), gpu, new RecordingObserver());
        trainer.Solve();
        var warm = gpu.Allocations;
        Assert.True(warm.Buffers > 0 && warm.Kernels > 0, $"{warm}");
        trainer.Solver.Parameter.MaxIter = 5;
        trainer.Solve();
        Assert.Equal(5, trainer.Iteration);
        Assert.Equal(warm, gpu.Allocations);
    }

    // A LeNet small enough for the simulator: both convolutions, max pooling, ReLU, dropout, two
    // inner products, softmax loss, trained with Adam.
    private static NetParameter TinyLeNet(int batch) => PrototxtParser.Parse<NetParameter>($$"""
        name: "tiny-lenet"
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                transform_param { scale: 0.00390625 } data_param { source: "{{RepoPaths.SubsetPrefix("train")}}" batch_size: {{batch}} } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                convolution_param { num_output: 4 kernel_size: 5 stride: 2 weight_filler { type: "xavier" } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
                convolution_param { num_output: 6 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: AVE kernel_size: 3 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1"
                inner_product_param { num_output: 12 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "drop1" type: "Dropout" bottom: "ip1" top: "ip1" dropout_param { dropout_ratio: 0.25 } }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """, "tiny-lenet.prototxt");

    [Fact]
    public void A_lenet_trains_to_the_cpu_backends_weights_within_1e_6()
    {
        var solver = WithRule(Solver(maxIter: 6), "Adam");
        AssertEquivalent(solver, TinyLeNet(batch: 4), lossBound: 1e-6, weightBound: 1e-6);
    }
}
