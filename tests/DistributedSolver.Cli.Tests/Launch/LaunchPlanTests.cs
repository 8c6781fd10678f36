using DistributedSolver.Backend.Cpu;
using DistributedSolver.Cli.Launch;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cli.Tests.Launch;

/// <summary>The command lines <c>dsolver launch</c> gives its children (the contract of <c>dsolver coordinator</c> and <c>worker</c>).</summary>
public sealed class LaunchPlanTests
{
    private static readonly DsolverExecutable Dotnet = DsolverExecutable.Of("/usr/bin/dotnet", "/app/dsolver.dll");

    private static Func<int, IReadOnlyList<int>> Ports(params int[] ports) => count =>
    {
        Assert.Equal(ports.Length, count);
        return ports;
    };

    [Fact]
    public void Coordinator_founds_the_cluster_the_standby_joins_it_and_workers_know_both()
    {
        var children = LaunchPlan.Create(new LaunchRequest("/s/solver.prototxt", 2, Standby: true, Port: null, Threads: 1, GemmProvider.Managed, BucketKb: 64, Device: "gpu:1"),
            Dotnet, "T0KEN", Ports(5001, 5002, 5003, 5004));

        Assert.Equal(["coordinator", "standby", "worker-1", "worker-2"], children.Select(c => c.Name));
        Assert.Equal([ChildRole.Coordinator, ChildRole.Standby, ChildRole.Worker, ChildRole.Worker], children.Select(c => c.Role));
        Assert.All(children, c => Assert.Equal("/usr/bin/dotnet", c.FileName));
        // The bucket size is the coordinators' (the parameter server's) to choose; workers learn it at
        // registration. Every node gets the device.
        Assert.Equal(["/app/dsolver.dll", "coordinator", "--solver", "/s/solver.prototxt", "--port", "5001", "--data-port", "5002", "--min-workers", "2",
            "--bucket-kb", "64", "--device", "gpu:1"], children[0].Arguments);
        Assert.Equal(["/app/dsolver.dll", "coordinator", "--solver", "/s/solver.prototxt", "--port", "5003", "--data-port", "5004",
            "--min-workers", "2", "--seed", "127.0.0.1:5001", "--bucket-kb", "64", "--device", "gpu:1"], children[1].Arguments);
        Assert.Equal(["/app/dsolver.dll", "worker", "--solver", "/s/solver.prototxt", "--seed", "127.0.0.1:5001", "--seed", "127.0.0.1:5003",
            "--id", "worker-2", "--port", "0", "--data-port", "0", "--threads", "1", "--gemm", "Managed", "--device", "gpu:1"], children[3].Arguments);
        // Only the coordinator's start line gates the others.
        Assert.Equal([LaunchPlan.NodeStartLine, null, null, null], children.Select(c => c.ReadyMarker));
    }

    [Fact]
    public void Every_child_gets_the_token_and_none_inherits_an_address()
    {
        var children = LaunchPlan.Create(new LaunchRequest("s", 1, Standby: true, Port: null, null, null), Dotnet, "T0KEN", Ports(1, 2, 3, 4));

        Assert.All(children, c =>
        {
            Assert.Equal("T0KEN", c.Environment[NodeSettings.Variables.ClusterToken]);
            foreach (string variable in new[] { NodeSettings.Variables.Seeds, NodeSettings.Variables.Port, NodeSettings.Variables.DataPlanePort,
                NodeSettings.Variables.BindHost, NodeSettings.Variables.PublicHost })
            {
                Assert.True(c.Environment.ContainsKey(variable), variable);
                Assert.Null(c.Environment[variable]);
            }
        });
    }

    [Fact]
    public void A_given_port_is_the_coordinators_and_unset_options_are_left_to_the_workers()
    {
        var children = LaunchPlan.Create(new LaunchRequest("s", 1, Standby: false, Port: 4053, null, null), Dotnet, "t", Ports(6000));

        Assert.Equal(["/app/dsolver.dll", "coordinator", "--solver", "s", "--port", "4053", "--data-port", "6000", "--min-workers", "1"], children[0].Arguments);
        Assert.Equal(["/app/dsolver.dll", "worker", "--solver", "s", "--seed", "127.0.0.1:4053", "--id", "worker-1", "--port", "0", "--data-port", "0"],
            children[1].Arguments);
    }

    [Fact]
    public void Children_run_the_same_dsolver_as_the_launcher()
    {
        Assert.Equal(["/app/dsolver.dll"], Dotnet.LeadingArguments);
        var apphost = DsolverExecutable.Of("/opt/dsolver/dsolver", "/opt/dsolver/dsolver.dll");
        Assert.Equal("/opt/dsolver/dsolver", apphost.FileName);
        Assert.Empty(apphost.LeadingArguments);
    }

    [Fact]
    public void The_token_is_the_inherited_one_or_a_fresh_random_one()
    {
        Assert.Equal("shared-secret", LaunchPlan.ClusterToken("shared-secret"));
        string fresh = LaunchPlan.ClusterToken(null);
        Assert.Matches("^[0-9A-F]{64}$", fresh);
        Assert.NotEqual(fresh, LaunchPlan.ClusterToken(" "));
    }

    [Fact]
    public void Free_ports_are_distinct()
    {
        var ports = LaunchPlan.FreePorts(4);
        Assert.Equal(4, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1, 65535));
    }
}
