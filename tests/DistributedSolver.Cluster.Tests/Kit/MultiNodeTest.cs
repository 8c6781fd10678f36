using Akka.TestKit.Xunit2;
using DistributedSolver.Cluster.Hosting;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.Kit;

/// <summary>
/// Base of the multi-node tests: a TestKit for probes and AwaitAssert, and a <see cref="LocalCluster"/>
/// torn down after each test. All of them run one at a time (one collection): on two cores, two
/// clusters' heartbeats would disturb each other's failure detectors.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public abstract class MultiNodeTest : TestKit, IAsyncLifetime
{
    protected MultiNodeTest(ITestOutputHelper output) : base("akka.loglevel = WARNING", output)
    {
        Nodes = new LocalCluster(this);
    }

    internal LocalCluster Nodes { get; private set; }

    /// <summary>Replaces the cluster with one built from other settings (before any node starts).</summary>
    internal LocalCluster UseSettings(NodeSettings settings) => Nodes = new LocalCluster(this, settings);

    private readonly List<DsolverNodeProcess> _processes = [];

    /// <summary>A real <c>dsolver {role}</c> process, killed after the test; its output joins the test's.</summary>
    internal DsolverNodeProcess StartProcess(string role, NodeSettings template, IEnumerable<string> seeds, params string[] arguments)
    {
        var process = DsolverNodeProcess.Start(role, template, seeds, arguments);
        _processes.Add(process);
        return process;
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var process in _processes)
        {
            process.Dispose();
            Output.WriteLine($"--- dsolver process on port {process.Port}:\n{process.Output}");
        }
        base.Dispose(disposing);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Nodes.DisposeAsync();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
