namespace DistributedSolver.Benchmarks;

/// <summary>Figures, not tests: <c>dotnet run -c Release --project bench/DistributedSolver.Benchmarks -- gemm|mlp|lenet|transport|solvers</c>.</summary>
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
            default:
                Console.Error.WriteLine("usage: DistributedSolver.Benchmarks gemm|mlp|lenet|transport|solvers");
                return 2;
        }
    }
}
