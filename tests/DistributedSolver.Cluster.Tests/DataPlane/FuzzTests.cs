using Akka.Actor;
using DistributedSolver.Cluster.DataPlane;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.DataPlane;

public sealed class FuzzTests(ITestOutputHelper output) : DataPlaneTestKit(output)
{
    [Fact]
    public async Task Garbage_from_many_sockets_leaves_the_listener_serving()
    {
        var unobserved = new List<Exception>();
        EventHandler<UnobservedTaskExceptionEventArgs> record = (_, e) => { lock (unobserved) unobserved.Add(e.Exception); };
        TaskScheduler.UnobservedTaskException += record;
        try
        {
            JoinSelf();
            var server = CreateTestProbe();
            var (listener, port) = StartListener(server);
            var random = new Random(42);
            var attacks = Enumerable.Range(0, 120).Select(i => Attack(i, random.Next())).ToArray();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await Parallel.ForEachAsync(attacks, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = deadline.Token },
                async (attack, cancellation) => await attack(port, cancellation));

            var worker = CreateTestProbe();
            var connection = ConnectWorker(port, worker);
            byte[] gradient = FrameCodecTests.Bytes(1 << 20, 9);
            connection.Tell(new SendTensor(FrameKind.Gradient, 1, 0, 1, 0, gradient), worker);
            worker.ExpectMsg<TensorSent>();
            var received = (TensorReceived)server.FishForMessage(m => m is TensorReceived, TimeSpan.FromSeconds(10));
            using (received.Payload) Assert.Equal(gradient, received.Payload.Memory.ToArray());

            listener.Tell(GetDataPlaneEndpoint.Instance, TestActor);
            Assert.Equal(port, ExpectMsg<DataPlaneEndpoint>().Port);
            Assert.False(Sys.WhenTerminated.IsCompleted);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            lock (unobserved) Assert.Empty(unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= record;
        }
    }

    /// <summary>One short-lived hostile socket; some authenticate first, so the frame reader after the handshake is attacked too.</summary>
    private static Func<int, CancellationToken, Task> Attack(int index, int seed) => async (port, cancellation) =>
    {
        var random = new Random(seed);
        using var peer = await RawPeer.ConnectAsync(port);
        if (index % 2 == 1 && !await peer.ProveAsync(DataPlaneTestKit.Token, DataPlaneTestKit.Incarnation, $"fuzz-{index}"))
            throw new InvalidOperationException("the listener refused a valid proof");
        byte[] valid = FrameCodecTests.Bytes(random.Next(1, 5000), seed);
        byte[] frame = FrameCodecTests.Encode(FrameHeader.For(FrameKind.Gradient, 1, 0, 1, 0, valid), valid);
        byte[] bytes = (index / 2 % 5) switch
        {
            0 => FrameCodecTests.Bytes(random.Next(1, 10_000), seed),
            1 => frame[..random.Next(1, frame.Length)],
            2 => FrameCodecTests.Encode(new FrameHeader(FrameKind.Gradient, 0, 0, 0, 0, int.MaxValue - random.Next(100), 0), []),
            3 => [.. frame[..^1], (byte)(frame[^1] ^ 0x80)],
            _ => [.. frame[..FrameHeader.Size], .. FrameCodecTests.Bytes(valid.Length, seed + 1)],
        };
        try
        {
            await peer.SendAsync(bytes);
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The listener may hang up before the garbage is all written; that is the point.
        }
        // Truncated frames end when this socket closes; the others are refused without waiting.
        if (index / 2 % 5 != 1 && !await peer.ClosedByPeerAsync(cancellation))
            throw new InvalidOperationException($"the listener left hostile socket {index} open");
    };
}
