using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.DataPlane;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.Tls;

/// <summary>The data plane with the cluster certificate: TLS both ways, the token handshake inside, strangers refused before it.</summary>
public sealed class TlsDataPlaneTests : DataPlaneTestKit
{
    private readonly TestCertificates _certificates = new();
    private readonly ClusterCertificate _cluster;
    private readonly ClusterCertificate _stranger;

    public TlsDataPlaneTests(ITestOutputHelper output) : base(output)
    {
        _cluster = _certificates.Load(_certificates.Cluster);
        _stranger = _certificates.Load(_certificates.Stranger);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _cluster.Dispose();
        _stranger.Dispose();
        _certificates.Dispose();
    }

    private DataPlaneSettings Tls(ClusterCertificate? certificate = null) => Settings() with { Tls = certificate ?? _cluster };

    [Fact]
    public void Tls_a_gradient_and_the_weights_cross_intact_between_holders_of_the_cluster_certificate()
    {
        JoinSelf();
        var server = CreateTestProbe();
        var worker = CreateTestProbe();
        var (_, port) = StartListener(server, Tls());
        var connection = ConnectWorker(port, worker, Tls());
        Assert.StartsWith("worker-1@", server.ExpectMsg<DataPlaneConnected>().Peer);

        byte[] gradient = FrameCodecTests.Bytes(300_000, 1);
        connection.Tell(new SendTensor(FrameKind.Gradient, 3, 0, 1, 2, gradient), worker);
        worker.ExpectMsg<TensorSent>();
        var received = server.ExpectMsg<TensorReceived>();
        using (received.Payload) Assert.Equal(gradient, received.Payload.Memory.ToArray());

        byte[] weights = FrameCodecTests.Bytes(200_000, 2);
        received.Connection.Tell(new SendTensor(FrameKind.Weights, 3, 0, 0, 3, weights), server);
        server.ExpectMsg<TensorSent>();
        var back = worker.ExpectMsg<TensorReceived>();
        using (back.Payload) Assert.Equal(weights, back.Payload.Memory.ToArray());
    }

    [Fact]
    public async Task Tls_a_plain_tcp_client_gets_no_frame_and_is_dropped_and_the_listener_still_serves()
    {
        var (_, port) = StartListener(CreateTestProbe(), Tls());
        using var plain = await RawPeer.ConnectAsync(port);
        // It speaks first, as a client of the plain data plane would once it had a challenge: a proof is no TLS hello.
        await EventFilter.Warning(contains: "TLS handshake with").ExpectOneAsync(async () =>
        {
            await plain.SendFrameAsync(FrameKind.Proof, new byte[64]);
            Assert.True(await plain.GetsNoFrameAsync());
        });
        await ServesAGoodTlsClient(port);
    }

    [Fact]
    public async Task Tls_a_silent_plain_client_gets_no_challenge_and_is_dropped_at_the_deadline()
    {
        var (_, port) = StartListener(CreateTestProbe(), Tls());
        using var plain = await RawPeer.ConnectAsync(port);
        await EventFilter.Warning(contains: "no handshake within").ExpectOneAsync(TimeSpan.FromSeconds(5), async () => Assert.True(await plain.GetsNoFrameAsync()));
        await ServesAGoodTlsClient(port);
    }

    [Fact]
    public async Task Tls_a_client_with_another_certificate_is_refused_by_name_before_the_token_and_the_listener_still_serves()
    {
        var (_, port) = StartListener(CreateTestProbe(), Tls());
        await EventFilter.Warning(contains: "not the cluster certificate").ExpectOneAsync(async () =>
        {
            // TLS 1.3 lets the client finish its side before the server has checked the client's
            // certificate, so the refusal may come at connect or at the first read.
            RawPeer? stranger = null;
            try
            {
                stranger = await RawPeer.ConnectTlsAsync(port, _stranger.Certificate);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                return;
            }
            using (stranger) Assert.True(await stranger.GetsNoFrameAsync());
        });
        await ServesAGoodTlsClient(port);
    }

    [Fact]
    public void Tls_a_worker_refuses_a_server_with_another_certificate()
    {
        JoinSelf();
        var server = CreateTestProbe();
        var worker = CreateTestProbe();
        var (_, port) = StartListener(server, Tls(_stranger));
        // Both ends refuse each other, and the worker retries: watch its own reason in the log.
        var log = CreateTestProbe();
        Sys.EventStream.Subscribe(log.Ref, typeof(Akka.Event.Warning));
        var connection = Sys.ActorOf(DataPlaneConnection.Props(Tls(), new DataPlaneEndpoint("127.0.0.1", port),
            Akka.Cluster.Cluster.Get(Sys).SelfAddress, Incarnation, "worker-1", worker));
        log.FishForMessage<Akka.Event.Warning>(w => w.Message.ToString() is { } m
            && m.Contains("cannot connect to parameter server") && m.Contains("not the cluster certificate"), TimeSpan.FromSeconds(5));
        Sys.Stop(connection);
        worker.ExpectNoMsg(TimeSpan.Zero);
        server.ExpectNoMsg(TimeSpan.Zero);
    }

    private async Task ServesAGoodTlsClient(int port)
    {
        using var good = await RawPeer.ConnectTlsAsync(port, _cluster.Certificate);
        Assert.True(await good.ProveAsync(Token, Incarnation, "good"));
    }
}
