namespace DistributedSolver.Cli.Tests.Commands;

/// <summary>
/// Which device <c>dsolver train</c> computes on: --device, else the solver file's solver_mode
/// (GPU by default, as in Caffe) and device_id. Without a CUDA device a GPU request says so and
/// trains on the CPU backend, so the default works on every machine.
/// </summary>
public sealed class DeviceOptionTests : IDisposable
{
    private const string NoCudaDevice = "no CUDA device: using the CPU backend (";

    private readonly CliWorkspace _workspace = new();

    public DeviceOptionTests() =>
        _workspace.Write("short.prototxt", """
            net: "net.prototxt"
            base_lr: 0.01
            lr_policy: "fixed"
            max_iter: 2
            snapshot_prefix: "out/short"
            """);

    public void Dispose() => _workspace.Dispose();

    private string Train(params string[] arguments)
    {
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, ["train", "--solver", "short.prototxt", .. arguments]);
        Assert.True(exit == 0, error + output);
        return output;
    }

    [Fact]
    public void The_default_asks_for_the_gpu_and_names_what_it_got()
    {
        string output = Train();
        // A machine with a GPU names it; one without says why and uses the CPU backend.
        Assert.True(output.Contains("compute capability") || (output.Contains(NoCudaDevice) && output.Contains("Using CPU, GEMM:")), output);
    }

    [Fact]
    public void Cpu_from_the_option_or_the_solver_file_asks_for_no_gpu()
    {
        string output = Train("--device", "cpu");
        Assert.Contains("Using CPU, GEMM:", output);
        Assert.DoesNotContain("CUDA", output);

        _workspace.Write("short.prototxt", File.ReadAllText(_workspace.PathOf("short.prototxt")) + "solver_mode: CPU\n");
        output = Train();
        Assert.Contains("Using CPU, GEMM:", output);
        Assert.DoesNotContain("CUDA", output);
    }

    [Fact]
    public void An_unknown_device_is_a_usage_error_naming_the_choices()
    {
        var (exit, _, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", "short.prototxt", "--device", "tpu:0");
        Assert.Equal(1, exit);
        Assert.Contains("--device (DSOLVER_DEVICE): device 'tpu:0' is not one of cpu, gpu, gpu:N or ilgpu-cpu", error);
    }

    [Fact]
    public void Test_scores_on_the_cpu_unless_a_device_is_named()
    {
        // As `caffe test`: no solver file, so no solver_mode asking for the GPU.
        Train("--device", "cpu");
        string[] test = ["test", "--model", "net.prototxt", "--weights", "out/short_iter_2.caffemodel", "--iterations", "2"];
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, test);
        Assert.True(exit == 0, error + output);
        Assert.Contains("Using CPU, GEMM:", output);
        Assert.DoesNotContain("CUDA", output);

        (exit, output, error) = DsolverProcess.Run(_workspace.Directory, [.. test, "--device", "ilgpu-cpu"]);
        Assert.True(exit == 0, error + output);
        Assert.Contains("Using ILGPU, ILGPU CPU accelerator", output);
        Assert.Matches(@"Loss: [\d.]+", output);
    }
}
