namespace DistributedSolver.Cli.Tests.Commands;

/// <summary>Bad input gets one clear line naming the culprit, exit code 1, no stack trace, nothing half-written.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Fails(params string[] args) => Fails(new Dictionary<string, string>(), args);

    private string Fails(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var (exit, output, error) = DsolverProcess.Run(_workspace.Directory, environment, args);
        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        Assert.StartsWith("dsolver: error: ", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        return error;
    }

    private string Train() => Fails("train", "--solver", "solver.prototxt");

    [Theory]
    [InlineData("coordinator")]
    [InlineData("worker")]
    public void A_node_without_a_solver_names_the_flag_and_the_variable_that_give_one(string role) =>
        Assert.Contains("--solver (or DSOLVER_SOLVER) is required", Fails(new Dictionary<string, string> { ["DSOLVER_SEEDS"] = "127.0.0.1:1" }, role));

    [Fact]
    public void A_pod_variable_that_is_not_a_number_is_named() =>
        Assert.Contains("DSOLVER_MIN_WORKERS: 'many' is not a whole number",
            Fails(new Dictionary<string, string> { ["DSOLVER_SOLVER"] = "solver.prototxt", ["DSOLVER_MIN_WORKERS"] = "many" }, "coordinator"));

    [Fact]
    public void Malformed_solver_names_the_file_line_and_column()
    {
        _workspace.Write("solver.prototxt", "net: \"net.prototxt\"\nbase_lr 0.01\n");
        Assert.Contains("solver.prototxt:2:9:", Train());
    }

    [Fact]
    public void Unknown_field_is_an_error_with_a_hint()
    {
        _workspace.Write("solver.prototxt", "net: \"net.prototxt\"\nbase_lr: 0.01\nlr_polcy: \"fixed\"\n");
        var error = Train();
        Assert.Contains("solver.prototxt:3:1:", error);
        Assert.Contains("lr_policy", error);
    }

    [Fact]
    public void Unknown_layer_type_is_named()
    {
        _workspace.Write("net.prototxt", CliWorkspace.Net(DsolverProcess.SubsetPrefix("train"), DsolverProcess.SubsetPrefix("t10k"),
            """layer { name: "odd" type: "Frobnicate" bottom: "ip1" top: "odd" }"""));
        Assert.Contains("unknown layer type 'Frobnicate'", Train());
    }

    [Fact]
    public void Missing_net_file_is_named()
    {
        File.Delete(_workspace.PathOf("net.prototxt"));
        Assert.Contains("net.prototxt", Train());
    }

    [Fact]
    public void Missing_data_lists_where_it_looked()
    {
        _workspace.Write("net.prototxt", CliWorkspace.Net("/nonexistent/fashion/train", DsolverProcess.SubsetPrefix("t10k")));
        Assert.Contains("/nonexistent/fashion/train", Train());
    }

    [Fact]
    public void Corrupt_idx_header_names_the_file()
    {
        Directory.CreateDirectory(_workspace.PathOf("bad"));
        File.WriteAllBytes(_workspace.PathOf("bad/x-images-idx3-ubyte"), [0, 0, 9, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
        File.WriteAllBytes(_workspace.PathOf("bad/x-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 3]);
        _workspace.Write("net.prototxt", CliWorkspace.Net(_workspace.PathOf("bad/x"), DsolverProcess.SubsetPrefix("t10k")));
        Assert.Contains("x-images-idx3-ubyte", Train());
    }

    [Fact]
    public void Invalid_hyperparameter_names_the_field()
    {
        _workspace.Write("solver.prototxt", "net: \"net.prototxt\"\nbase_lr: -0.1\nlr_policy: \"fixed\"\nmax_iter: 10\n");
        Assert.Contains("base_lr", Train());
    }

    [Fact]
    public void Truncated_snapshot_is_named_and_shape_mismatch_is_explained()
    {
        _workspace.Write("solver.prototxt", File.ReadAllText(_workspace.PathOf("solver.prototxt")).Replace("max_iter: 40", "max_iter: 2").Replace("test_interval: 20", "test_interval: 0"));
        var (exit, _, error) = DsolverProcess.Run(_workspace.Directory, "train", "--solver", "solver.prototxt");
        Assert.True(exit == 0, error);
        string model = _workspace.PathOf("out/mlp_iter_2.caffemodel");
        var bytes = File.ReadAllBytes(model);

        File.WriteAllBytes(_workspace.PathOf("truncated.caffemodel"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated.caffemodel", Fails("train", "--solver", "solver.prototxt", "--weights", "truncated.caffemodel"));

        _workspace.Write("net.prototxt", CliWorkspace.Net(DsolverProcess.SubsetPrefix("train"), DsolverProcess.SubsetPrefix("t10k")).Replace("num_output: 32", "num_output: 16"));
        var error2 = Fails("train", "--solver", "solver.prototxt", "--snapshot", "out/mlp_iter_2.solverstate");
        Assert.Contains("ip1", error2);
        Assert.Contains("shape mismatch", error2);
        Assert.Empty(Directory.EnumerateFiles(_workspace.Directory, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("batch_size: 32 } }", "batch_size: 3000000000 } }", "batch_size")]
    [InlineData("layer { name: \"relu1\"", "layer { name: \"ip1\"", "two layers are named 'ip1'")]
    [InlineData("layer { name: \"relu1\" type: \"ReLU\" bottom: \"ip1\" top: \"ip1\" }",
        "layer { name: \"big\" type: \"DummyData\" top: \"big\" dummy_data_param { shape { dim: 9999999999 } } }", "big")]
    public void Numbers_and_names_a_net_cannot_hold_are_named(string original, string replacement, string message)
    {
        string net = CliWorkspace.Net(DsolverProcess.SubsetPrefix("train"), DsolverProcess.SubsetPrefix("t10k"));
        Assert.Contains(original, net);
        _workspace.Write("net.prototxt", net.Replace(original, replacement));
        Assert.Contains(message, Train());
    }

    [Fact]
    public void A_caffemodel_given_as_snapshot_is_recognised()
    {
        _workspace.Write("solver.prototxt", File.ReadAllText(_workspace.PathOf("solver.prototxt")).Replace("max_iter: 40", "max_iter: 2").Replace("test_interval: 20", "test_interval: 0"));
        Assert.Equal(0, DsolverProcess.Run(_workspace.Directory, "train", "--solver", "solver.prototxt").ExitCode);
        Assert.Contains("not a .solverstate", Fails("train", "--solver", "solver.prototxt", "--snapshot", "out/mlp_iter_2.caffemodel"));
    }
}
