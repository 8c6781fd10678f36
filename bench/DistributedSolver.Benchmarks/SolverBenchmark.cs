using System.Diagnostics;
using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Solvers;

namespace DistributedSolver.Benchmarks;

/// <summary>
/// One Solver.ApplyUpdate over 10 M parameters for each rule, in ns per parameter, next to a plain
/// copy of as many buffers of the same size as the update touches (the weights and gradient
/// themselves, and one stand-in per history set), copied in the same 32768-float chunks over the
/// same threads. Update and copy alternate within each round; medians of the rounds are reported.
/// The update reads every buffer and writes all but the gradient, so a memory-bound update runs at
/// about the copy's time: the ratio is what its arithmetic costs on top.
/// </summary>
internal static class SolverBenchmark
{
    private const int Parameters = 10_000_000;
    private const int Chunk = 1 << 15;

    private static readonly (string Name, SolverParameter Parameter, int Sets)[] Rules =
    [
        ("SGD", new() { Type = "SGD", BaseLr = 0.01f, Momentum = 0.9f, WeightDecay = 5e-4f }, 1),
        ("SGD L1", new() { Type = "SGD", BaseLr = 0.01f, Momentum = 0.9f, WeightDecay = 5e-4f, RegularizationType = "L1" }, 1),
        ("Nesterov", new() { Type = "Nesterov", BaseLr = 0.01f, Momentum = 0.9f, WeightDecay = 5e-4f }, 1),
        ("AdaGrad", new() { Type = "AdaGrad", BaseLr = 0.01f, WeightDecay = 5e-4f }, 1),
        ("RMSProp", new() { Type = "RMSProp", BaseLr = 0.001f, RmsDecay = 0.98f, WeightDecay = 5e-4f }, 1),
        ("AdaDelta", new() { Type = "AdaDelta", BaseLr = 1f, Momentum = 0.95f, Delta = 1e-6f, WeightDecay = 5e-4f }, 2),
        ("Adam", new() { Type = "Adam", BaseLr = 0.001f, Momentum = 0.9f, Momentum2 = 0.999f, WeightDecay = 5e-4f }, 2),
        ("Adam amsgrad", new() { Type = "Adam", BaseLr = 0.001f, Momentum = 0.9f, Momentum2 = 0.999f, WeightDecay = 5e-4f, Amsgrad = true }, 3),
    ];

    public static void Run(TextWriter output, int rounds = 15)
    {
        output.WriteLine($"Solver.ApplyUpdate over {Parameters:N0} parameters (one blob, lr_policy fixed, weight_decay 5e-4), "
            + $"median of {rounds} rounds; copy: the same number of {Parameters:N0}-float buffers, same chunks and threads");
        output.WriteLine("threads  rule           buffers  update ns/param  copy ns/param  update/copy  copy GB/s");
        foreach (int threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = threads });
            var weights = backend.Allocate(Parameters).View;
            var gradient = backend.Allocate(Parameters).View;
            var random = new Random(1);
            float[] values = new float[Parameters];
            foreach (var view in new[] { weights, gradient })
            {
                for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5);
                backend.Upload(values, view);
            }
            var blob = new Blob("w");
            blob.SetShape([Parameters]);
            var parameters = new[] { new LearnableParameter(blob, "ip", 0, 1f, 1f, 0) };
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
            foreach (var (name, parameter, sets) in Rules)
            {
                parameter.LrPolicy = "fixed";
                var solver = SolverFactory.Create(parameter, parameters, weights, backend);
                float[][] sources = [Array(weights), Array(gradient), .. Enumerable.Range(0, sets).Select(_ => new float[Parameters])];
                float[][] targets = [.. sources.Select(_ => new float[Parameters])];
                int iter = 0;
                void Update() => solver.ApplyUpdate(iter++, gradient);
                void Copy() => ChunkedCopy(sources, targets, parallel);
                for (int i = 0; i < 2; i++)
                {
                    Update();
                    Copy();
                }
                var updates = new List<double>();
                var copies = new List<double>();
                for (int r = 0; r < rounds; r++)
                {
                    updates.Add(Seconds(Update));
                    copies.Add(Seconds(Copy));
                }
                double update = Median(updates), copy = Median(copies);
                double copyBytes = 2.0 * sources.Length * Parameters * sizeof(float);
                output.WriteLine($"{threads,7}  {name,-13}  {sources.Length,7}  {update / Parameters * 1e9,15:F3}  "
                    + $"{copy / Parameters * 1e9,13:F3}  {update / copy,11:F2}  {copyBytes / copy / 1e9,9:F1}");
            }
        }
    }

    private static float[] Array(BufferView view) => ((CpuBuffer)view.Buffer).Array;

    private static void ChunkedCopy(float[][] sources, float[][] targets, ParallelOptions parallel) =>
        Parallel.For(0, (Parameters + Chunk - 1) / Chunk, parallel, c =>
        {
            int start = c * Chunk, count = Math.Min(Chunk, Parameters - start);
            for (int b = 0; b < sources.Length; b++)
                sources[b].AsSpan(start, count).CopyTo(targets[b].AsSpan(start, count));
        });

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
