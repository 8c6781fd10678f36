using System.Diagnostics;
using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Benchmarks;

/// <summary>
/// Tensor transport on loopback in one process: a raw socket as the ceiling, the data plane,
/// Akka.Remote with byte[] messages, a 4 MB gradient→weights round trip and a control-plane ping.
/// </summary>
public static class TransportBenchmark
{
    private const int MessageBytes = 4 << 20;
    private const int Messages = 200;
    private const int Trips = 50;

    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        byte[] payload = new byte[MessageBytes];
        new Random(1).NextBytes(payload);

        output.WriteLine($"checksum of 4 MB: XxHash3 {HashRate(p => XxHash3.HashToUInt64(p), payload):F1} GB/s, Crc32 {HashRate(p => Crc32.HashToUInt32(p), payload):F1} GB/s");
        double raw = RawSocket(payload);
        var (dataPlane, roundTripMs) = DataPlane(payload);
        var (remote, pingMicros) = AkkaRemote(payload);

        output.WriteLine($"{"transport, 4 MB messages",-34} {"GB/s",8} {"vs raw",8}");
        output.WriteLine($"{"(a) raw socket (NetworkStream)",-34} {raw,8:F2} {1.0,8:P0}");
        output.WriteLine($"{"(b) data plane, Gradient frames",-34} {dataPlane,8:F2} {dataPlane / raw,8:P0}");
        output.WriteLine($"{"(c) Akka.Remote, byte[] messages",-34} {remote,8:F2} {remote / raw,8:P0}");
        output.WriteLine($"(d) data plane round trip, 4 MB gradient in + 4 MB weights out: median {roundTripMs:F2} ms over {Trips}");
        output.WriteLine($"(e) Akka.Remote Ping→Pong between two ActorSystems: median {pingMicros:F0} µs");
        output.WriteLine($"goals: data plane ≥ 70% of raw ({(dataPlane / raw >= 0.7 ? "met" : "missed")}), round trip < 6 ms ({(roundTripMs < 6 ? "met" : "missed")})");
    }

    private static double HashRate(Action<byte[]> hash, byte[] payload)
    {
        hash(payload);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++) hash(payload);
        return GigabytesPerSecond(50L * payload.Length, watch.Elapsed);
    }

    private static double RawSocket(byte[] payload)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var reader = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            using var stream = new NetworkStream(socket);
            byte[] buffer = new byte[MessageBytes];
            for (int i = 0; i < Messages; i++) await stream.ReadExactlyAsync(buffer);
        });
        using var client = new TcpClient { NoDelay = true };
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var stream = client.GetStream();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Messages; i++) stream.Write(payload);
        reader.GetAwaiter().GetResult();
        return GigabytesPerSecond((long)Messages * MessageBytes, watch.Elapsed);
    }

    private static (double GigabytesPerSecond, double RoundTripMs) DataPlane(byte[] payload)
    {
        var cluster = new NodeSettings { Port = 0, DataPlanePort = 0, ClusterToken = "bench", Roles = [ClusterRoles.Coordinator] };
        using var system = ActorSystem.Create("bench", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(HoconBuilder.Config(cluster)));
        try
        {
            var node = Akka.Cluster.Cluster.Get(system);
            var up = new TaskCompletionSource();
            node.RegisterOnMemberUp(up.SetResult);
            node.Join(node.SelfAddress);
            up.Task.Wait(TimeSpan.FromSeconds(30));

            var settings = DataPlaneSettings.From(cluster, MessageBytes / sizeof(float));
            var server = system.ActorOf(Props.Create(() => new BenchServer(payload)));
            var listener = system.ActorOf(DataPlaneListener.Props(settings, 1, server));
            int port = listener.Ask<DataPlaneEndpoint>(GetDataPlaneEndpoint.Instance, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult().Port;
            var worker = system.ActorOf(Props.Create(() => new BenchWorker(payload)));
            var connection = system.ActorOf(DataPlaneConnection.Props(settings, new DataPlaneEndpoint("127.0.0.1", port), node.SelfAddress, 1, "bench", worker));
            worker.Ask<DataPlaneConnected>(BenchWorker.WaitConnected.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

            Blast(server, worker, connection, settings, 20);
            var elapsed = Blast(server, worker, connection, settings, Messages);
            double rate = GigabytesPerSecond((long)Messages * MessageBytes, elapsed);

            var trips = new List<double>();
            for (int i = 0; i < Trips + 5; i++)
            {
                var trip = worker.Ask<TimeSpan>(new BenchWorker.RoundTrip(connection), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                if (i >= 5) trips.Add(trip.TotalMilliseconds);
            }
            return (rate, Median(trips));
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    private static TimeSpan Blast(IActorRef server, IActorRef worker, IActorRef connection, DataPlaneSettings settings, int count)
    {
        server.Ask<int>(new Expect(count), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        var watch = Stopwatch.StartNew();
        worker.Tell(new BenchWorker.Blast(connection, count, settings.SendQueueCapacity));
        server.Ask<int>(WhenDone.Instance, TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
        return watch.Elapsed;
    }

    private static (double GigabytesPerSecond, double PingMicros) AkkaRemote(byte[] payload)
    {
        // Akka.Remote refuses frames above 128 kB by default; a tensor needs room for 4 MB.
        Config Config() => ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.remote.dot-netty.tcp.maximum-frame-size = 8MiB
            akka.remote.dot-netty.tcp.send-buffer-size = 8MiB
            akka.remote.dot-netty.tcp.receive-buffer-size = 8MiB
            """).WithFallback(HoconBuilder.Config(new NodeSettings { Port = 0, ClusterToken = "bench", Roles = [ClusterRoles.Coordinator] }));
        using var a = ActorSystem.Create("bench", Config());
        using var b = ActorSystem.Create("bench", Config());
        try
        {
            var sink = b.ActorOf(Props.Create(() => new ByteSink()), "sink");
            var remoteAddress = ((ExtendedActorSystem)b).Provider.DefaultAddress;
            var remoteSink = a.ActorSelection(new RootActorPath(remoteAddress) / "user" / "sink").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

            const int remoteMessages = 40;
            remoteSink.Ask<int>(new Expect(5), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            for (int i = 0; i < 5; i++) remoteSink.Tell(payload);
            remoteSink.Ask<int>(WhenDone.Instance, TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
            remoteSink.Ask<int>(new Expect(remoteMessages), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < remoteMessages; i++) remoteSink.Tell(payload);
            remoteSink.Ask<int>(WhenDone.Instance, TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
            double rate = GigabytesPerSecond((long)remoteMessages * MessageBytes, watch.Elapsed);

            var pings = new List<double>();
            for (int i = 0; i < 220; i++)
            {
                var ping = Stopwatch.StartNew();
                remoteSink.Ask<Pong>(new Ping(i), TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
                if (i >= 20) pings.Add(ping.Elapsed.TotalMicroseconds);
            }
            return (rate, Median(pings));
        }
        finally
        {
            Task.WaitAll([a.Terminate(), b.Terminate()], TimeSpan.FromSeconds(10));
        }
    }

    private static double GigabytesPerSecond(long bytes, TimeSpan elapsed) => bytes / elapsed.TotalSeconds / 1e9;

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    /// <summary>
    /// Counts arrivals for a timed run: <see cref="Expect"/> resets the count, <see cref="WhenDone"/>
    /// answers once the expected number arrived.
    /// </summary>
    private abstract class CountingSink : ReceiveActor
    {
        private int _expected;
        private int _received;
        private IActorRef? _waiter;

        protected CountingSink()
        {
            Receive<Expect>(e =>
            {
                (_expected, _received, _waiter) = (e.Count, 0, null);
                Sender.Tell(0);
            });
            Receive<WhenDone>(_ =>
            {
                if (_received == _expected) Sender.Tell(_received);
                else _waiter = Sender;
            });
        }

        protected void Arrived()
        {
            if (++_received == _expected) _waiter?.Tell(_received);
        }
    }

    public sealed record Expect(int Count);

    public sealed record WhenDone
    {
        public static readonly WhenDone Instance = new();
    }

    /// <summary>The parameter server's stand-in: counts gradients, answers each with weights when asked to.</summary>
    private sealed class BenchServer : CountingSink
    {
        public BenchServer(byte[] weights)
        {
            Receive<DataPlaneConnected>(_ => { });
            Receive<DataPlaneDisconnected>(_ => { });
            Receive<TensorSent>(_ => { });
            Receive<TensorReceived>(r =>
            {
                r.Payload.Dispose();
                if (r.Header.Iteration < 0) r.Connection.Tell(new SendTensor(FrameKind.Weights, r.Header.Iteration, 0, 0, 1, weights));
                else Arrived();
            });
        }
    }

    private sealed class BenchWorker : ReceiveActor
    {
        private readonly Stopwatch _trip = new();
        private DataPlaneConnected? _connected;
        private IActorRef? _waiter;
        private int _toSend;

        public BenchWorker(byte[] gradient)
        {
            Receive<DataPlaneConnected>(c =>
            {
                _connected = c;
                _waiter?.Tell(c);
            });
            Receive<WaitConnected>(_ =>
            {
                if (_connected is not null) Sender.Tell(_connected);
                else _waiter = Sender;
            });
            Receive<Blast>(b =>
            {
                _toSend = b.Count;
                for (int i = 0; i < b.Window && _toSend > 0; i++, _toSend--) b.Connection.Tell(Gradient(gradient, 0));
            });
            Receive<TensorSent>(sent =>
            {
                if (sent.Request.Iteration >= 0 && _toSend-- > 0) Sender.Tell(Gradient(gradient, 0));
            });
            Receive<TensorNotSent>(n => throw new InvalidOperationException(n.Reason));
            Receive<RoundTrip>(r =>
            {
                _waiter = Sender;
                _trip.Restart();
                r.Connection.Tell(Gradient(gradient, -1));
            });
            Receive<TensorReceived>(r =>
            {
                r.Payload.Dispose();
                _waiter?.Tell(_trip.Elapsed);
            });
        }

        private static SendTensor Gradient(byte[] gradient, int iteration) => new(FrameKind.Gradient, iteration, 0, 1, 0, gradient);

        public sealed record Blast(IActorRef Connection, int Count, int Window);

        public sealed record RoundTrip(IActorRef Connection);

        public sealed record WaitConnected
        {
            public static readonly WaitConnected Instance = new();
        }
    }

    /// <summary>Counts byte[] messages arriving over Akka.Remote and answers pings.</summary>
    private sealed class ByteSink : CountingSink
    {
        public ByteSink()
        {
            Receive<byte[]>(_ => Arrived());
            Receive<Ping>(p => Sender.Tell(new Pong(p.Sequence)));
        }
    }
}
