namespace DistributedSolver.Benchmarks;

/// <summary>Figures, not tests: <c>dotnet run -c Release --project bench/DistributedSolver.Benchmarks -- gemm|mlp|lenet|transport|solvers</c>, or <c>device mlp|lenet cpu|gpu:N|ilgpu-cpu [iterations]</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "gemm":
                GemmBenchmark.Run(Console.Out);
                return 0;
            case "transport":
                TransportBenchmark.Run(Console.Out);
                return 0;
            case "mlp":
                TrainingBenchmark.RunMlp(Console.Out);
                return 0;
            case "lenet":
                TrainingBenchmark.RunLeNet(Console.Out);
                return 0;
            case "solvers":
                SolverBenchmark.Run(Console.Out);
                return 0;
            case "device" when args.Length is 3 or 4:
                try
                {
                    int iterations = 200;
                    if (args.Length == 4 && !int.TryParse(args[3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out iterations))
                        throw new FormatException($"iterations '{args[3]}' is not a whole number");
                    return TrainingBenchmark.RunOnDevice(Console.Out, args[1], args[2], iterations);
                }
                catch (FormatException e)
                {
                    Console.Error.WriteLine($"DistributedSolver.Benchmarks: {e.Message}");
                    return 2;
                }
            default:
                Console.Error.WriteLine("usage: DistributedSolver.Benchmarks gemm|mlp|lenet|transport|solvers | device mlp|lenet cpu|gpu:N|ilgpu-cpu [iterations]");
                return 2;
        }
    }
}
