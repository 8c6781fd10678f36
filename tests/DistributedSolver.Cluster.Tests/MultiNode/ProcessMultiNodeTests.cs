using System.Diagnostics;
using Akka.Cluster;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

/// <summary>Real <c>dsolver</c> processes beside an in-test coordinator node (no throttler: plain akka.tcp, as in production).</summary>
public sealed class ProcessMultiNodeTests : MultiNodeTest
{
    public ProcessMultiNodeTests(ITestOutputHelper output) : base(output) => UseSettings(LocalCluster.Fast with { FaultInjection = false });

    private ClusterNode StartCoordinator()
    {
        var node = Nodes.StartCoordinator();
        node.StartCoordinatorSingleton(CoordinatorActor.Props(TrainingRuns.Idle(node.Settings, 1)));
        Nodes.AwaitAllUp();
        return node;
    }

    // Every process reads the idle coordinator's net; a coordinator process waits for more workers than ever come.
    private DsolverNodeProcess StartProcess(string role)
    {
        string solver = TrainingRuns.WriteSolver(Path.Combine(Path.GetTempPath(), $"dsolver-process-{Guid.NewGuid():N}"), maxIter: 1, iterSize: 1);
        string[] arguments = role == "coordinator" ? ["--solver", solver, "--min-workers", "1000", "--data-port", "0"] : ["--solver", solver];
        return StartProcess(role, Nodes.Template, Nodes.Seeds, arguments);
    }

    private Member AwaitMember(ClusterNode observer, DsolverNodeProcess process)
    {
        Member? found = null;
        AwaitAssert(() =>
        {
            found = observer.Cluster.State.Members.SingleOrDefault(m => m.Address.Port == process.Port && m.Status == MemberStatus.Up);
            Assert.True(found is not null, process.Output);
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        return found!;
    }

    private void AwaitGone(ClusterNode observer, Member member, TimeSpan within) =>
        AwaitAssert(() => Assert.DoesNotContain(observer.Cluster.State.Members, m => m.UniqueAddress.Equals(member.UniqueAddress)),
            within, TimeSpan.FromMilliseconds(100));

    [Fact]
    public void MultiNode_a_worker_process_killed_with_sigkill_is_removed_within_the_bound()
    {
        var coordinator = StartCoordinator();
        var worker = StartProcess("worker");
        var member = AwaitMember(coordinator, worker);

        var clock = Stopwatch.StartNew();
        worker.Kill();
        AwaitGone(coordinator, member, TimeSpan.FromSeconds(20));
        Output.WriteLine($"killed worker process removed after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void MultiNode_a_worker_process_stopped_with_sigterm_leaves_gracefully_and_exits_0()
    {
        var coordinator = StartCoordinator();
        var worker = StartProcess("worker");
        var member = AwaitMember(coordinator, worker);
        Assert.Contains("registered with the coordinator", WaitForOutput(worker, "registered with the coordinator"));

        var clock = Stopwatch.StartNew();
        worker.Terminate();
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(15)), worker.Output);
        Assert.Equal(0, worker.ExitCode);
        AwaitGone(coordinator, member, TimeSpan.FromSeconds(5));
        Output.WriteLine($"graceful leave of a worker process: {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void MultiNode_a_killed_coordinator_process_hands_the_singleton_to_the_standby()
    {
        // The coordinator process founds the cluster and hosts the singleton; an in-test standby
        // and an in-test worker join it. kill -9 the process: the standby takes over and the
        // worker registers again, with the standby's incarnation.
        var active = StartProcess("coordinator");
        Nodes.UseSeeds($"127.0.0.1:{active.Port}");
        var standby = Nodes.StartCoordinator();
        standby.StartCoordinatorSingleton(CoordinatorActor.Props(TrainingRuns.Idle(standby.Settings, 42)));
        var worker = Nodes.StartWorker();
        var registrations = CreateTestProbe(worker.System);
        worker.System.ActorOf(WorkerRegistration.Props("w", TrainingRuns.IdleLayout(), worker.CoordinatorProxy(), registrations.Ref));
        Nodes.AwaitAllUp(TimeSpan.FromSeconds(30));
        var member = AwaitMember(standby, active);
        Assert.NotEqual(42, registrations.ExpectMsg<Messages.WorkerRegistered>(TimeSpan.FromSeconds(20)).Incarnation);

        var clock = Stopwatch.StartNew();
        active.Kill();
        Assert.Equal(42, registrations.FishForMessage<Messages.WorkerRegistered>(r => r.Incarnation == 42, TimeSpan.FromSeconds(30)).Incarnation);
        Output.WriteLine($"hand-over after kill -9 of the coordinator process: {clock.Elapsed.TotalSeconds:F1} s");
        AwaitGone(standby, member, TimeSpan.FromSeconds(5));
    }

    private string WaitForOutput(DsolverNodeProcess process, string text)
    {
        AwaitAssert(() => Assert.Contains(text, process.Output), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        return process.Output;
    }
}
