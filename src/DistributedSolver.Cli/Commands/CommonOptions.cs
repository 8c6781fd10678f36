using System.CommandLine;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Cli.Commands;

/// <summary>The options every compute command shares: how the CPU backend runs.</summary>
internal static class CommonOptions
{
    public static readonly Option<int> Threads = new("--threads")
    {
        Description = "GEMM tiles computed at once (changes speed, never results)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static readonly Option<GemmProvider> Gemm = new("--gemm")
    {
        Description = "GEMM kernel: Auto (OpenBLAS if installed, else managed SIMD), OpenBlas, Managed",
        DefaultValueFactory = _ => GemmProvider.Auto,
    };

    public static CpuBackendOptions BackendOptions(ParseResult result) => new()
    {
        Threads = result.GetValue(Threads),
        Gemm = result.GetValue(Gemm),
    };
}
