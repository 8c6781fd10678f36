using DistributedSolver.Proto;

namespace DistributedSolver.Gpu;

/// <summary>
/// Which device computes: <c>cpu</c>, <c>gpu</c> / <c>gpu:N</c> (CUDA device N), or
/// <c>ilgpu-cpu</c> (ILGPU's CPU accelerator, only when asked for: it is a simulator).
/// </summary>
public readonly record struct DeviceSelection(DeviceKind Kind, int DeviceId = 0)
{
    public const string Syntax = "cpu, gpu, gpu:N or ilgpu-cpu";

    public static DeviceSelection Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string value = text.Trim().ToLowerInvariant();
        if (value == "cpu") return new DeviceSelection(DeviceKind.Cpu);
        if (value == "ilgpu-cpu") return new DeviceSelection(DeviceKind.IlgpuCpu);
        if (value == "gpu") return new DeviceSelection(DeviceKind.Gpu);
        if (value.StartsWith("gpu:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(4), System.Globalization.NumberStyles.None, null, out int id))
            return new DeviceSelection(DeviceKind.Gpu, id);
        throw new FormatException($"device '{text}' is not one of {Syntax}");
    }

    /// <summary>Caffe's choice from the solver file: <c>solver_mode</c> (GPU by default) and <c>device_id</c>.</summary>
    public static DeviceSelection FromSolver(SolverParameter solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        return solver.SolverMode == SolverParameter.Types.SolverMode.Gpu
            ? new DeviceSelection(DeviceKind.Gpu, solver.DeviceId)
            : new DeviceSelection(DeviceKind.Cpu);
    }

    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        _ => $"gpu:{DeviceId}",
    };
}
