using DistributedSolver.Benchmarks;

switch (args.FirstOrDefault())
{
    case "gemm":
        GemmBenchmark.Run(Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("usage: DistributedSolver.Benchmarks gemm");
        return 2;
}
