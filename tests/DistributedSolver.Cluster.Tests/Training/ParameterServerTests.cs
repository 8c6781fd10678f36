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
        _server = StartServer(GradientBuckets.Whole(_parameters));
    }

    private IActorRef StartServer(GradientBuckets buckets)
    {
        var server = ChildActorOf(ParameterServerActor.Props(_trainer, _backend, new DataPlaneSettings("token", (_parameters + 64) * sizeof(float)), 1, buckets));
        ExpectMsg<ParameterServerActor.Ready>();
        return server;
    }

    public new void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
        base.Dispose();
    }

    private void Send(int unit, int count, long version = 0, int? floats = null, IActorRef? server = null, int offset = 0)
    {
        int length = (floats ?? _parameters + count) * sizeof(float);
        var payload = PooledPayload.Rent(length);
        MemoryMarshal.Cast<byte, float>(payload.Span).Fill(1f / 1024);
        var header = FrameHeader.For(FrameKind.Gradient, (int)version, unit, count, version, payload.Span, offset);
        (server ?? _server).Tell(new TensorReceived(header, payload, TestActor, "worker-x@127.0.0.1:1"));
    }

    // A bucket's frame: its values, and the node's losses with the first bucket.
    private void SendBucket(IActorRef server, GradientBuckets buckets, int bucket, int unit, int count) =>
        Send(unit, count, floats: buckets.Ranges[bucket].Count + (bucket == 0 ? count : 0), server: server, offset: buckets.Ranges[bucket].Offset);

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

    [Fact]
    public void A_frame_at_an_offset_where_no_bucket_starts_is_dropped()
    {
        var buckets = GradientBuckets.Plan(_trainer.TrainNet, 1, clipsGlobalNorm: false);
        var server = StartServer(buckets);
        EventFilter.Warning(contains: "not a gradient bucket").ExpectOne(() => Send(0, 4, floats: buckets.Ranges[1].Count, server: server, offset: 1));
        for (int b = buckets.Ranges.Count - 1; b >= 0; b--) SendBucket(server, buckets, b, 0, 4);
        ExpectBlock(0, 4);
        Assert.Equal(0, ExpectMsg<ParameterServerActor.IterationApplied>().Iteration);
    }

    [Fact]
    public void Each_bucket_is_updated_and_sent_back_once_every_unit_of_it_is_in()
    {
        // One bucket per layer with parameters; this connection gets every weights frame.
        var buckets = GradientBuckets.Plan(_trainer.TrainNet, 1, clipsGlobalNorm: false);
        Assert.True(buckets.Ranges.Count >= 2, "the test net needs two layers with parameters");
        var server = StartServer(buckets);
        server.Tell(new DataPlaneConnected(TestActor, "worker-x@127.0.0.1:1"));
        var initial = Enumerable.Range(0, buckets.Ranges.Count).Select(_ => ExpectMsg<SendTensor>()).ToList();
        Assert.All(initial, f => Assert.Equal(0, f.WeightsVersion));
        Assert.Equal(buckets.Offsets.Order(), initial.Select(f => f.Offset).Order());

        int last = buckets.Ranges.Count - 1;
        SendBucket(server, buckets, last, 0, 2);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        SendBucket(server, buckets, last, 0, 2);
        SendBucket(server, buckets, last, 2, 2);
        // Every unit of the last bucket is in: its new weights leave before the first bucket's gradient came.
        var early = ExpectMsg<SendTensor>();
        Assert.Equal((1L, buckets.Ranges[last].Offset, buckets.Ranges[last].Count * sizeof(float)), (early.WeightsVersion, early.Offset, early.Payload.Length));
        for (int b = last - 1; b >= 0; b--)
        {
            SendBucket(server, buckets, b, 0, 2);
            SendBucket(server, buckets, b, 2, 2);
        }
        var rest = new List<object>();
        while (rest.OfType<ParameterServerActor.IterationApplied>().Count() == 0) rest.Add(ReceiveOne(TimeSpan.FromSeconds(3))!);
        Assert.Equal([new UnitBlock(0, 2), new UnitBlock(2, 2)], rest.OfType<ParameterServerActor.BlockReceived>().Select(r => r.Block));
        Assert.Equal(Enumerable.Range(0, last).Reverse().Select(b => buckets.Ranges[b].Offset), rest.OfType<SendTensor>().Select(f => f.Offset));
        Assert.All(rest.OfType<SendTensor>(), f => Assert.Equal(1, f.WeightsVersion));
    }

    [Fact]
    public void No_snapshot_is_written_while_some_buckets_are_a_version_ahead()
    {
        // A failing run asks for a snapshot at any time; half an update resumed would be applied twice.
        var buckets = GradientBuckets.Plan(_trainer.TrainNet, 1, clipsGlobalNorm: false);
        var server = StartServer(buckets);
        int last = buckets.Ranges.Count - 1;
        SendBucket(server, buckets, last, 0, 4);
        EventFilter.Warning(contains: "no snapshot at iteration 0").ExpectOne(() => server.Tell(new ParameterServerActor.WriteSnapshot([])));
        Assert.Null(ExpectMsg<ParameterServerActor.SnapshotWritten>().Files);

        for (int b = last - 1; b >= 0; b--) SendBucket(server, buckets, b, 0, 4);
        ExpectBlock(0, 4);
        ExpectMsg<ParameterServerActor.IterationApplied>();
        server.Tell(new ParameterServerActor.WriteSnapshot([]));
        Assert.EndsWith("_iter_1.solverstate", ExpectMsg<ParameterServerActor.SnapshotWritten>().Files!.State);
    }
}
