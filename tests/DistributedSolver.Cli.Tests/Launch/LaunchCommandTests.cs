using DistributedSolver.Cli.Tests.Commands;

namespace DistributedSolver.Cli.Tests.Launch;

/// <summary><c>dsolver launch</c>'s own arguments: bad ones are refused with exit 1 before any child starts.</summary>
public sealed class LaunchCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Refused(params string[] args)
    {
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, ["launch", .. args]);
        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        Assert.StartsWith("dsolver: error: ", error);
        Assert.DoesNotContain("[launch]", error); // nothing started
        Assert.DoesNotContain("   at ", error);
        return error;
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    public void Fewer_than_one_worker_is_refused(string workers) =>
        Assert.Contains($"--workers must be at least 1, got {workers}", Refused("--workers", workers, "--solver", "solver.prototxt"));

    [Fact]
    public void A_missing_solver_is_named() =>
        Assert.Contains("absent.prototxt", Refused("--workers", "2", "--solver", "absent.prototxt"));

    [Fact]
    public void A_bad_solver_is_named_before_any_node_starts()
    {
        _workspace.Write("solver.prototxt", "net: \"net.prototxt\"\nbase_lr 0.01\n");
        Assert.Contains("solver.prototxt:2:9:", Refused("--workers", "2", "--solver", "solver.prototxt"));
    }

    [Fact]
    public void A_port_out_of_range_is_refused() =>
        Assert.Contains("--port must be a TCP port", Refused("--workers", "1", "--solver", "solver.prototxt", "--port", "70000"));

    [Fact]
    public void A_negative_bucket_size_is_refused() =>
        Assert.Contains("--bucket-kb must be between 0 and", Refused("--workers", "1", "--solver", "solver.prototxt", "--bucket-kb", "-1"));
}
