using System.CommandLine;
using DistributedSolver.Cli.Output;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Snapshots;
using DistributedSolver.Training;

namespace DistributedSolver.Cli.Commands;

/// <summary><c>dsolver test</c>: Caffe's <c>caffe test</c>, the TEST phase of a net over K batches.</summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "net prototxt", Required = true };
        var weights = new Option<FileInfo>("--weights") { Description = ".caffemodel to evaluate", Required = true };
        var iterations = new Option<int>("--iterations") { Description = "batches to run", DefaultValueFactory = _ => 50 };
        var command = new Command("test", "Score a trained model on the TEST phase of a net")
        {
            model, weights, iterations, CommonOptions.Device, CommonOptions.Threads, CommonOptions.Gemm,
        };
        command.SetAction(result => UserErrors.Run(() => Run(
            result.GetRequiredValue(model).FullName, result.GetRequiredValue(weights).FullName,
            result.GetValue(iterations), result)));
        return command;
    }

    // As Caffe's `caffe test`, the CPU unless a GPU is asked for: there is no solver file to say so.
    private static readonly SolverParameter CpuByDefault = new() { SolverMode = SolverParameter.Types.SolverMode.Cpu };

    private static int Run(string modelPath, string weightsPath, int iterations, ParseResult result)
    {
        if (iterations < 1) throw new UsageException($"--iterations must be positive, got {iterations}");
        var log = new CaffeLog(Console.Out);
        using var backend = CommonOptions.OpenBackend(result, CpuByDefault, log.Write);
        var definition = PrototxtFile.LoadNet(modelPath);
        var net = new Net(definition, Phase.Test, backend, new NetContext(Path.GetDirectoryName(modelPath)!, 0, log.Write));
        net.CopyTrainedLayersFrom(SnapshotStore.ReadModel(weightsPath), weightsPath);
        long position = 0;
        var sums = new Dictionary<string, (float Sum, float Weight)>();
        float loss = 0f;
        for (int i = 0; i < iterations; i++)
        {
            var (batchLoss, outputs) = Trainer.ForwardBatch(net, position);
            position += net.BatchSize;
            loss += batchLoss;
            foreach (var o in outputs)
            {
                log.Write($"Batch {i}, {o.Name} = {CaffeLog.Number(o.Value)}");
                var (sum, _) = sums.GetValueOrDefault(o.Name);
                sums[o.Name] = (sum + o.Value, o.LossWeight);
            }
        }
        log.Write($"Loss: {CaffeLog.Number(loss / iterations)}");
        foreach (var (name, (sum, weight)) in sums) log.Write(CaffeLog.Value(name, sum / iterations, weight));
        return 0;
    }
}
