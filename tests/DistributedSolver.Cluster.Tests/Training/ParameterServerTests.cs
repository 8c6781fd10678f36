using System.Runtime.InteropServices;
using Akka.Actor;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Tests.Kit;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Tests.Training;

/// <summary>
/// The parameter server's gate: only a gradient of the current version, for a node of the unit
/// tree not covered yet, with the exact length, counts; anything else is logged and dropped.
/// Each case sends the bad frame first and a good one after it: the first answer must be the good
/// one's, so the bad one did nothing (messages from one sender arrive in order).
/// </summary>
public sealed class ParameterServerTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-ps-").FullName;
    private readonly Backend.Cpu.CpuBackend _backend = TrainingFixture.CreateBackend(threads: 1);
    private readonly Trainer _trainer;
    private readonly IActorRef _server;
    private readonly int _parameters;

    // The parameter server runs on the compute dispatcher that every node's HOCON defines.
    public ParameterServerTests() : base($"{DistributedSolver.Cluster.Hosting.HoconBuilder.ComputeDispatcher} {{ type = PinnedDispatcher }}")
    {
        _trainer = new Trainer(TrainingRuns.Mlp(Path.Combine(_directory, "run"), maxIter: 10, iterSize: 4), _backend, new RecordingObserver());
        _parameters = _trainer.TrainNet.ParameterCount;
        _server = ChildActorOf(ParameterServerActor.Props(_trainer, _backend, new DataPlaneSettings("token", (_parameters + 64) * sizeof(float)), 1));
        ExpectMsg<ParameterServerActor.Ready>();
    }

    public new void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
        base.Dispose();
    }

    private void Send(int unit, int count, long version = 0, int? floats = null)
    {
        int length = (floats ?? _parameters + count) * sizeof(float);
        var payload = PooledPayload.Rent(length);
        MemoryMarshal.Cast<byte, float>(payload.Span).Fill(1f / 1024);
        var header = FrameHeader.For(FrameKind.Gradient, (int)version, unit, count, version, payload.Span);
        _server.Tell(new TensorReceived(header, payload, TestActor, "worker-x@127.0.0.1:1"));
    }

    private void ExpectBlock(int unit, int count) =>
        Assert.Equal(new UnitBlock(unit, count), ExpectMsg<ParameterServerActor.BlockReceived>().Block);

    [Fact]
    public void A_gradient_of_the_wrong_length_is_logged_and_dropped()
    {
        EventFilter.Warning(contains: "wrong length").ExpectOne(() => Send(0, 2, floats: _parameters + 1));
        Send(2, 2);
        ExpectBlock(2, 2);
    }

    [Fact]
    public void A_node_that_is_not_in_the_unit_tree_is_dropped()
    {
        EventFilter.Warning(contains: "not a node of the unit tree").ExpectOne(() => Send(1, 2));
        Send(0, 2);
        ExpectBlock(0, 2);
    }

    [Fact]
    public void A_duplicate_and_an_overlapping_node_are_dropped_and_the_update_happens_once()
    {
        Send(0, 2);
        ExpectBlock(0, 2);
        Send(0, 2);
        Send(1, 1);
        Send(2, 2);
        ExpectBlock(2, 2);
        var applied = ExpectMsg<ParameterServerActor.IterationApplied>();
        Assert.Equal(0, applied.Iteration);
    }

    [Fact]
    public void Stale_and_future_gradients_are_dropped()
    {
        Send(0, 4);
        ExpectBlock(0, 4);
        ExpectMsg<ParameterServerActor.IterationApplied>();
        EventFilter.Warning(contains: "(stale)").ExpectOne(() => Send(0, 4, version: 0));
        EventFilter.Warning(contains: "(from the future)").ExpectOne(() => Send(0, 4, version: 2));
        Send(0, 4, version: 1);
        ExpectBlock(0, 4);
        Assert.Equal(1, ExpectMsg<ParameterServerActor.IterationApplied>().Iteration);
    }
}
