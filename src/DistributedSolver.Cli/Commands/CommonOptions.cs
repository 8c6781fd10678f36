using System.CommandLine;
using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;
using DistributedSolver.Gpu;
using DistributedSolver.Proto;

namespace DistributedSolver.Cli.Commands;

/// <summary>The options every compute command shares: which device computes, and how the CPU backend runs.</summary>
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

    public static readonly Option<string?> Device = new("--device")
    {
        Description = $"{DeviceSelection.Syntax} (default: ${PodVariables.Device}, else the solver file's solver_mode and device_id, as in Caffe; " +
            "a GPU request without a CUDA device trains on the CPU backend)",
    };

    public static CpuBackendOptions BackendOptions(ParseResult result) => new()
    {
        Threads = result.GetValue(Threads),
        Gemm = result.GetValue(Gemm),
    };

    /// <summary>The backend --device names, or else the one the solver file asks for; what it chose goes to <paramref name="log"/>.</summary>
    public static IComputeBackend OpenBackend(ParseResult result, SolverParameter solver, Action<string> log)
    {
        DeviceSelection selection;
        try
        {
            selection = (result.GetValue(Device) ?? PodVariables.Get(PodVariables.Device)) is { } device ? DeviceSelection.Parse(device) : DeviceSelection.FromSolver(solver);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--device ({PodVariables.Device}): {e.Message}");
        }
        var backend = ComputeBackends.Open(selection, BackendOptions(result), log);
        log($"Using {backend.Description}");
        return backend;
    }
}
