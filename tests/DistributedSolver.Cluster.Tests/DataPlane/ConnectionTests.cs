using Akka.Actor;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Hosting;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.DataPlane;

public sealed class ConnectionTests(ITestOutputHelper output) : DataPlaneTestKit(output)
{
    [Fact]
    public void Gradients_flow_in_and_weights_flow_out_with_their_bytes_intact()
    {
        JoinSelf();
        var server = CreateTestProbe();
        var worker = CreateTestProbe();
        var (_, port) = StartListener(server);
        var connection = ConnectWorker(port, worker);
        Assert.StartsWith("worker-1@", server.ExpectMsg<DataPlaneConnected>().Peer);

        byte[] gradient = FrameCodecTests.Bytes(300_000, 1);
        var send = new SendTensor(FrameKind.Gradient, 12, 4, 2, 11, gradient);
        connection.Tell(send, worker);
        Assert.Same(send, worker.ExpectMsg<TensorSent>().Request);
        var received = server.ExpectMsg<TensorReceived>();
        using (received.Payload)
        {
            Assert.Equal((FrameKind.Gradient, 12, 4, 2, 11L), (received.Header.Kind, received.Header.Iteration, received.Header.Unit, received.Header.UnitCount, received.Header.WeightsVersion));
            Assert.Equal(gradient, received.Payload.Memory.ToArray());
        }

        byte[] weights = FrameCodecTests.Bytes(200_000, 2);
        received.Connection.Tell(new SendTensor(FrameKind.Weights, 12, 0, 0, 12, weights), server);
        server.ExpectMsg<TensorSent>();
        var back = worker.ExpectMsg<TensorReceived>();
        using (back.Payload)
        {
            Assert.Equal((FrameKind.Weights, 12L), (back.Header.Kind, back.Header.WeightsVersion));
            Assert.Equal(weights, back.Payload.Memory.ToArray());
        }

        connection.Tell(new SendTensor(FrameKind.Weights, 0, 0, 0, 0, weights), worker);
        Assert.Contains("sends Gradient frames, not Weights", worker.ExpectMsg<TensorNotSent>().Reason);
    }

    [Fact]
    public async Task A_wrong_token_is_closed_and_logged_and_the_listener_still_serves()
    {
        var (_, port) = StartListener(CreateTestProbe());
        using var stranger = await RawPeer.ConnectAsync(port);
        await EventFilter.Warning(contains: "wrong token").ExpectOneAsync(async () => Assert.False(await stranger.ProveAsync("not-the-token", Incarnation, "intruder")));
        await ServesAGoodClient(port);
    }

    [Fact]
    public async Task A_stale_incarnation_is_closed_and_logged()
    {
        var (_, port) = StartListener(CreateTestProbe());
        using var old = await RawPeer.ConnectAsync(port);
        await EventFilter.Warning(contains: $"stale incarnation 6, current {Incarnation}").ExpectOneAsync(async () => Assert.False(await old.ProveAsync(Token, 6, "old-worker")));
        await ServesAGoodClient(port);
    }

    [Fact]
    public async Task A_silent_peer_is_closed_at_the_handshake_deadline()
    {
        var (_, port) = StartListener(CreateTestProbe());
        using var silent = await RawPeer.ConnectAsync(port);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await EventFilter.Warning(contains: "no handshake within 0.5 s").ExpectOneAsync(TimeSpan.FromSeconds(5), async () => Assert.True(await silent.ClosedByPeerAsync(deadline.Token)));
        await ServesAGoodClient(port);
    }

    [Fact]
    public async Task Silent_sockets_take_only_the_handshake_slots_and_the_oldest_give_way_to_newcomers()
    {
        var server = CreateTestProbe();
        // Without a cap of their own, the silent sockets alone would fill every slot for the whole handshake timeout.
        var settings = Settings() with { MaxConnections = 20, MaxHandshakes = 4, HandshakeTimeout = TimeSpan.FromSeconds(60) };
        var (_, port) = StartListener(server, settings);
        var silent = new List<RawPeer>();
        try
        {
            for (int i = 0; i < 20; i++) silent.Add(await RawPeer.ConnectAsync(port));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            foreach (var evicted in silent[..16]) Assert.True(await evicted.ClosedByPeerAsync(deadline.Token));

            // The listener learns of the evicted connections' ends a moment after their sockets close.
            RawPeer? good = null;
            await AwaitAssertAsync(async () =>
            {
                good?.Dispose();
                good = await RawPeer.ConnectAsync(port);
                Assert.True(await good.ProveAsync(Token, Incarnation, "good"));
            }, TimeSpan.FromSeconds(5));
            using (good)
            {
                server.ExpectMsg<DataPlaneConnected>();
                await good!.SendFrameAsync(FrameKind.Gradient, FrameCodecTests.Bytes(1000, 3), iteration: 5);
                using var received = server.ExpectMsg<TensorReceived>().Payload;
                Assert.Equal(FrameCodecTests.Bytes(1000, 3), received.Memory.ToArray());
            }
        }
        finally
        {
            foreach (var peer in silent) peer.Dispose();
        }
    }

    [Fact]
    public void Without_a_token_there_is_no_data_plane()
    {
        var error = Assert.Throws<NodeSettingsException>(() => DataPlaneSettings.From(new NodeSettings { ClusterToken = null }, 1000));
        Assert.Contains(NodeSettings.Variables.ClusterToken, error.Message);
        Assert.Equal(4000 + 64 * 1024, DataPlaneSettings.From(new NodeSettings { ClusterToken = "x" }, 1000).MaxPayloadBytes);
    }

    [Fact]
    public void A_dropped_socket_is_reopened_while_the_server_node_is_up()
    {
        JoinSelf();
        var server = CreateTestProbe();
        var worker = CreateTestProbe();
        var (listener, port) = StartListener(server);
        var connection = ConnectWorker(port, worker);
        server.ExpectMsg<DataPlaneConnected>();

        Watch(listener);
        Sys.Stop(listener);
        ExpectTerminated(listener);
        worker.ExpectMsg<DataPlaneDisconnected>();
        connection.Tell(new SendTensor(FrameKind.Gradient, 0, 0, 1, 0, new byte[8]), worker);
        Assert.Equal("not connected", worker.ExpectMsg<TensorNotSent>().Reason);

        StartListener(server, Settings() with { Port = port });
        worker.ExpectMsg<DataPlaneConnected>(TimeSpan.FromSeconds(10));
        connection.Tell(new SendTensor(FrameKind.Gradient, 1, 0, 1, 0, new byte[8]), worker);
        worker.ExpectMsg<TensorSent>();
        server.FishForMessage(m => m is TensorReceived { Header.Iteration: 1 });
    }

    private async Task ServesAGoodClient(int port)
    {
        using var good = await RawPeer.ConnectAsync(port);
        Assert.True(await good.ProveAsync(Token, Incarnation, "good"));
    }
}
