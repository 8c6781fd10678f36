using DistributedSolver.Cluster.DataPlane;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.DataPlane;

public sealed class BackPressureTests(ITestOutputHelper output) : DataPlaneTestKit(output)
{
    [Fact]
    public async Task A_peer_that_stops_reading_stops_the_acks_and_the_queue_refuses_the_rest()
    {
        const int Frames = 64;
        const int FrameBytes = 1 << 20;
        var server = CreateTestProbe();
        var settings = Settings() with { PauseWriterThreshold = 2 << 20, ResumeWriterThreshold = 1 << 20, SendQueueCapacity = 3 };
        var (_, port) = StartListener(server, settings);
        using var sleeper = await RawPeer.ConnectAsync(port);
        Assert.True(await sleeper.ProveAsync(Token, Incarnation, "sleeper"));
        var connection = server.ExpectMsg<DataPlaneConnected>().Connection;

        // One caller-owned buffer for every frame: what the connection holds is its queue and pipe, not copies.
        byte[] weights = new byte[FrameBytes];
        SendTensor Frame(int i) => new(FrameKind.Weights, i, 0, 0, i, weights);

        // A sender that waits for each ack before the next frame, as a parameter server would. The
        // bound below (acks must stop within Frames) is the claim; the quiet window only ends the
        // pumping, so it is generous: a slow machine pausing 3 s would merely end it early.
        int acked = 0;
        connection.Tell(Frame(0), server);
        while (server.ReceiveOne(TimeSpan.FromSeconds(3)) is { } answer)
        {
            Assert.IsType<TensorSent>(answer);
            Assert.True(++acked < Frames, "acks never stopped although the peer reads nothing");
            connection.Tell(Frame(acked), server);
        }
        // The pipe holds 2 MB and the kernel's socket buffers a few more: the stall comes after a few frames.
        Assert.InRange(acked, 1, 40);

        // One frame is stuck in the pipe's flush; the queue takes the rest of its capacity and refuses beyond it.
        for (int i = 1; i <= settings.SendQueueCapacity; i++) connection.Tell(Frame(acked + i), server);
        Assert.Equal("send queue full (3 frames)", server.ExpectMsg<TensorNotSent>().Reason);
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // Once the peer reads again, the queued frames go out and are acknowledged.
        var drain = Task.Run(async () =>
        {
            while (await sleeper.ReadFrameAsync() is { } frame) frame.Payload.Dispose();
        });
        for (int i = 0; i < settings.SendQueueCapacity; i++) server.ExpectMsg<TensorSent>(TimeSpan.FromSeconds(10));
        sleeper.Disconnect();
        await Assert.ThrowsAnyAsync<Exception>(() => drain);
    }

    [Fact]
    public async Task An_owner_that_holds_its_payloads_stops_the_delivery_until_it_disposes_one()
    {
        var server = CreateTestProbe();
        var settings = Settings() with { ReceiveWindow = 2 };
        var (_, port) = StartListener(server, settings);
        using var peer = await RawPeer.ConnectAsync(port);
        Assert.True(await peer.ProveAsync(Token, Incarnation, "flood"));
        server.ExpectMsg<DataPlaneConnected>();

        for (int i = 0; i < 4; i++) await peer.SendFrameAsync(FrameKind.Gradient, FrameCodecTests.Bytes(1000, i), iteration: i);
        var held = new[] { server.ExpectMsg<TensorReceived>(), server.ExpectMsg<TensorReceived>() };
        Assert.Equal([0, 1], held.Select(r => r.Header.Iteration));
        // Absence is the claim here, so it takes a window; the frames are on the loopback long before it ends.
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // Disposing twice must not release a second credit.
        held[0].Payload.Dispose();
        held[0].Payload.Dispose();
        var third = server.ExpectMsg<TensorReceived>();
        Assert.Equal(2, third.Header.Iteration);
        server.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        held[1].Payload.Dispose();
        third.Payload.Dispose();
        using var fourth = server.ExpectMsg<TensorReceived>().Payload;
    }
}
