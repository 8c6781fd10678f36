using Akka.TestKit.Xunit2;
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
    internal LocalCluster UseSettings(DistributedSolver.Cluster.Hosting.NodeSettings settings) => Nodes = new LocalCluster(this, settings);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Nodes.DisposeAsync();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
