namespace DistributedSolver.Benchmarks;

/// <summary>Figures, not tests: <c>dotnet run -c Release --project bench/DistributedSolver.Benchmarks -- mlp</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "mlp":
                MlpBenchmark.Run(Console.Out);
                return 0;
            default:
                Console.Error.WriteLine("usage: DistributedSolver.Benchmarks mlp");
                return 2;
        }
    }
}
