using DistributedSolver.Backend.Cpu;
using DistributedSolver.Proto;

namespace DistributedSolver.Gpu.Tests;

public sealed class DeviceSelectionTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData("gpu", DeviceKind.Gpu, 0)]
    [InlineData("gpu:0", DeviceKind.Gpu, 0)]
    [InlineData("GPU:3", DeviceKind.Gpu, 3)]
    [InlineData("ilgpu-cpu", DeviceKind.IlgpuCpu, 0)]
    public void Parses_the_device_names(string text, DeviceKind kind, int id)
    {
        var selection = DeviceSelection.Parse(text);
        Assert.Equal(new DeviceSelection(kind, id), selection);
        Assert.Equal(selection, DeviceSelection.Parse(selection.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cuda")]
    [InlineData("gpu:")]
    [InlineData("gpu:-1")]
    [InlineData("gpu:x")]
    public void Refuses_anything_else_naming_the_choices(string text)
    {
        var error = Assert.Throws<FormatException>(() => DeviceSelection.Parse(text));
        Assert.Equal($"device '{text}' is not one of cpu, gpu, gpu:N or ilgpu-cpu", error.Message);
    }

    [Fact]
    public void The_solver_file_chooses_as_caffe_does()
    {
        // Caffe's default solver_mode is GPU, on device_id 0.
        Assert.Equal(new DeviceSelection(DeviceKind.Gpu, 0), DeviceSelection.FromSolver(new SolverParameter()));
        Assert.Equal(new DeviceSelection(DeviceKind.Gpu, 2), DeviceSelection.FromSolver(new SolverParameter { DeviceId = 2 }));
        Assert.Equal(new DeviceSelection(DeviceKind.Cpu), DeviceSelection.FromSolver(new SolverParameter { SolverMode = SolverParameter.Types.SolverMode.Cpu }));
    }

    [NoCudaFact]
    public void A_gpu_request_without_a_device_says_why_and_trains_on_the_cpu_backend()
    {
        var messages = new List<string>();
        using var backend = ComputeBackends.Open(new DeviceSelection(DeviceKind.Gpu, 0), new CpuBackendOptions { Threads = 1 }, messages.Add);
        Assert.IsType<CpuBackend>(backend);
        // Which reason depends on the machine: no driver at all, or a driver that sees no device.
        string message = Assert.Single(messages);
        Assert.StartsWith("no CUDA device: using the CPU backend (", message);
        Assert.True(
            message.EndsWith("(the CUDA driver reports no device)", StringComparison.Ordinal)
            || message.Contains("(the CUDA driver is not installed: none of libcuda.so.1, libcuda.so could be loaded", StringComparison.Ordinal),
            message);
    }

    [Fact]
    public void The_cpu_accelerator_only_when_asked_for()
    {
        var messages = new List<string>();
        using (var cpu = ComputeBackends.Open(DeviceSelection.Parse("cpu"), new CpuBackendOptions(), messages.Add))
            Assert.IsType<CpuBackend>(cpu);
        using (var simulator = ComputeBackends.Open(DeviceSelection.Parse("ilgpu-cpu"), new CpuBackendOptions(), messages.Add))
            Assert.Contains("CPU accelerator", Assert.IsType<IlgpuBackend>(simulator).Description);
        Assert.Contains("simulates a GPU", Assert.Single(messages));
    }

    [Theory]
    [InlineData("cuda", new[] { "libcuda.so.1", "libcuda.so" })]
    [InlineData("libcublas.so.12", new[] { "libcublas.so.12", "libcublas.so.13" })]
    [InlineData("libcublas.so.11", new string[0])]
    public void Native_imports_resolve_to_the_names_containers_ship(string import, string[] candidates) =>
        Assert.Equal(candidates, CudaLibraries.Candidates(import));

    [Fact]
    public void A_missing_library_is_named_with_the_files_tried()
    {
        bool loaded = CudaLibraries.TryLoadCuBlas(out string? missing);
        Assert.True(loaded || missing == "cuBLAS is not installed: none of libcublas.so.12, libcublas.so.13 could be loaded", missing);
    }
}
