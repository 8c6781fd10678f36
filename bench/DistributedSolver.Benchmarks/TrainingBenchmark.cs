using System.Diagnostics;
using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;
using DistributedSolver.Gpu;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Training;

namespace DistributedSolver.Benchmarks;

/// <summary>
/// A net's training speed (forward + backward + SGD update, batch 64, DummyData so the disk is
/// out of it) next to the same backend's sgemm rate at n = 512, measured in the same process,
/// for 1 and 2 threads. Achieved GFLOP/s counts the GEMM work of one sample: forward, weight
/// gradient and input gradient 2·m·n·k each, without the input gradient of the first layer
/// (Caffe does not backpropagate into data) and without the bias terms.
/// </summary>
internal static class TrainingBenchmark
{
    private const int Batch = 64;

    /// <summary>
    /// A benchmarked net: the shape of one sample (as BlobShape dims), its layers after the data
    /// layer, the top the loss reads, and the multiply-adds of each GEMM layer per sample.
    /// </summary>
    private sealed record Model(string Title, string SampleShape, string Layers, string Output, long[] MultiplyAddsPerSample);

    /// <summary>The quick start's MLP, 784-512-512-10.</summary>
    public static void RunMlp(TextWriter output) => Run(output, Mlp);

    public static void RunLeNet(TextWriter output) => Run(output, LeNet);

    private static readonly Model Mlp = new("MLP 784-512-512-10", "dim: 784", """
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 512 weight_filler { type: "xavier" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 512 weight_filler { type: "xavier" } } }
        layer { name: "relu2" type: "ReLU" bottom: "ip2" top: "ip2" }
        layer { name: "ip3" type: "InnerProduct" bottom: "ip2" top: "ip3" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        """, "ip3", [784 * 512, 512 * 512, 512 * 10]);

    /// <summary>
    /// Caffe's LeNet as in the example: conv 20 5×5 on 28×28 (24² outputs of 25 taps), pool,
    /// conv 50 5×5 on 20×12×12 (8² outputs of 500 taps), pool, ip 800→500, relu, ip 500→10.
    /// </summary>
    private static readonly Model LeNet = new("LeNet (Caffe's)", "dim: 1 dim: 28 dim: 28", """
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 20 kernel_size: 5 weight_filler { type: "xavier" } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" convolution_param { num_output: 50 kernel_size: 5 weight_filler { type: "xavier" } } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" inner_product_param { num_output: 500 weight_filler { type: "xavier" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        """, "ip2", [20 * 25 * 24 * 24, 50 * 500 * 8 * 8, 800 * 500, 500 * 10]);

    /// <summary>
    /// The model's training speed on one device, for the comparison with PyTorch on a GPU machine
    /// (<c>bench/gpu</c>): samples/s, the median of <paramref name="rounds"/> runs of
    /// <paramref name="iterations"/> iterations after a warm-up, and a last line
    /// <c>samples_per_sec N</c> for scripts. A GPU request that finds no CUDA device fails here
    /// instead of measuring the CPU.
    /// </summary>
    public static int RunOnDevice(TextWriter output, string modelName, string device, int iterations = 200, int rounds = 3)
    {
        var model = modelName switch
        {
            "mlp" => Mlp,
            "lenet" => LeNet,
            _ => throw new FormatException($"model '{modelName}' is not mlp or lenet"),
        };
        if (iterations < 1) throw new FormatException($"{iterations} iterations: at least 1 is needed");
        var selection = DeviceSelection.Parse(device);
        string? fallback = null;
        using var backend = ComputeBackends.Open(selection, new CpuBackendOptions(), message => fallback = message);
        if (selection.Kind == DeviceKind.Gpu && fallback is not null)
        {
            output.WriteLine($"{device}: {fallback}");
            return 1;
        }
        output.WriteLine($"{model.Title}, batch {Batch}, on {backend.Description}");
        var trainer = CreateTrainer(backend, model);
        var rates = Enumerable.Range(0, rounds).Select(_ => TrainingRate(trainer, iterations)).Order().ToList();
        output.WriteLine($"samples/s over {rounds} rounds of {iterations} iterations: {string.Join(", ", rates.Select(r => r.ToString("F0")))}");
        output.WriteLine($"samples_per_sec {rates[rounds / 2]:F1}");
        return 0;
    }

    private static void Run(TextWriter output, Model model, int iterations = 200, int rounds = 5)
    {
        // Every layer: forward and weight gradient; all but the first: input gradient too.
        double flopsPerSample = model.MultiplyAddsPerSample.Select((macs, i) => 2.0 * macs * (i == 0 ? 2 : 3)).Sum();
        output.WriteLine($"{model.Title}, batch {Batch}, {flopsPerSample / 1e6:F3} MFLOP per sample; "
            + $"{rounds} rounds of (sgemm 512³, {iterations} training iterations), medians");
        output.WriteLine("gemm       threads  sgemm512 GFLOP/s  samples/s  achieved GFLOP/s  ratio (median of rounds)");
        foreach (var gemm in new[] { GemmProvider.Auto, GemmProvider.Managed })
        foreach (int threads in new[] { 1, 2 })
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads, Gemm = gemm });
            var trainer = CreateTrainer(backend, model);
            // The machine is shared: each round measures the reference right next to the training
            // run it is compared with, and the median round is reported.
            var measured = Enumerable.Range(0, rounds).Select(_ =>
            {
                double reference = SgemmRate(backend, 512);
                double samples = TrainingRate(trainer, iterations);
                return (Reference: reference, Samples: samples, Ratio: samples * flopsPerSample / 1e9 / reference);
            }).OrderBy(r => r.Ratio).ToList();
            var median = measured[rounds / 2];
            double achieved = median.Samples * flopsPerSample / 1e9;
            output.WriteLine($"{Name(backend),-10} {threads,7}  {median.Reference,16:F1}  {median.Samples,9:F0}  {achieved,16:F1}  "
                + $"{median.Ratio,5:P0} ({string.Join(", ", measured.Select(r => r.Ratio.ToString("P0")))})");
        }
    }

    private static string Name(CpuBackend backend) => backend.Description.Contains("OpenBLAS") ? "OpenBLAS" : "managed";

    private static double SgemmRate(IComputeBackend backend, int n)
    {
        var a = backend.Allocate(n * n).View;
        var b = backend.Allocate(n * n).View;
        var c = backend.Allocate(n * n).View;
        backend.Fill(a, 0.5f);
        backend.Fill(b, 0.25f);
        for (int i = 0; i < 3; i++) backend.Gemm(Transpose.No, Transpose.No, n, n, n, 1f, a, b, 0f, c);
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            int reps = 10;
            for (int i = 0; i < reps; i++) backend.Gemm(Transpose.No, Transpose.No, n, n, n, 1f, a, b, 0f, c);
            best = Math.Max(best, reps * 2.0 * n * n * n / watch.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static Trainer CreateTrainer(IComputeBackend backend, Model model)
    {
        var net = PrototxtParser.Parse<NetParameter>($$"""
            name: "bench"
            layer { name: "data" type: "DummyData" top: "data" top: "label"
                    dummy_data_param { shape { dim: {{Batch}} {{model.SampleShape}} } shape { dim: {{Batch}} }
                                       data_filler { type: "constant" value: 0.5 } data_filler { type: "constant" value: 3 } } }
            {{model.Layers}}
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "{{model.Output}}" bottom: "label" top: "loss" }
            """, "bench.prototxt");
        var solver = new SolverParameter
        {
            BaseLr = 0.01f, LrPolicy = "fixed", Momentum = 0.9f, WeightDecay = 5e-4f, MaxIter = 20, Type = "SGD",
            RandomSeed = 1, SnapshotAfterTrain = false,
        };
        var trainer = new Trainer(new TrainingDefinition(solver, net, [], ".", Path.Combine(Path.GetTempPath(), "dsolver-bench")), backend, new Silent());
        trainer.Solve(); // warm-up: JIT, page faults, thread pool
        return trainer;
    }

    private static double TrainingRate(Trainer trainer, int iterations)
    {
        trainer.Solver.Parameter.MaxIter = trainer.Iteration + iterations;
        var watch = Stopwatch.StartNew();
        trainer.Solve();
        return iterations * Batch / watch.Elapsed.TotalSeconds;
    }

    private sealed class Silent : ITrainingObserver
    {
        public void OnMessage(string message)
        {
        }

        public void OnIteration(IterationReport report)
        {
        }

        public void OnTest(TestReport report)
        {
        }

        public void OnSnapshot(SnapshotFiles files)
        {
        }
    }
}
