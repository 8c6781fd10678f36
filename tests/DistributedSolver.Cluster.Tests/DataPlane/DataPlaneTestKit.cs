using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Hosting;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.DataPlane;

/// <summary>A one-node cluster with a data-plane listener on an ephemeral port, and probes as owners.</summary>
public abstract class DataPlaneTestKit(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output: output)
{
    internal const long Incarnation = 7;
    internal const string Token = "t";

    // The test event listener lets tests assert on the reasons the connections log.
    private static readonly Config Config = ConfigurationFactory
        .ParseString("""akka.loggers = ["Akka.TestKit.TestEventListener, Akka.TestKit"]""")
        .WithFallback(HoconBuilder.Config(new NodeSettings { Port = 0, DataPlanePort = 0, ClusterToken = Token, Roles = [ClusterRoles.Coordinator] }));

    internal static DataPlaneSettings Settings(string token = Token) =>
        new(token, 2 << 20) { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };

    internal (IActorRef Listener, int Port) StartListener(IActorRef owner, DataPlaneSettings? settings = null)
    {
        var listener = Sys.ActorOf(DataPlaneListener.Props(settings ?? Settings(), Incarnation, owner));
        listener.Tell(GetDataPlaneEndpoint.Instance, TestActor);
        return (listener, ExpectMsg<DataPlaneEndpoint>().Port);
    }

    internal void JoinSelf()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var probe = CreateTestProbe();
        cluster.Subscribe(probe, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        cluster.Join(cluster.SelfAddress);
        probe.ExpectMsg<ClusterEvent.MemberUp>(TimeSpan.FromSeconds(10));
        cluster.Unsubscribe(probe);
    }

    /// <summary>A worker connection to <paramref name="port"/>, connected (its owner saw <see cref="DataPlaneConnected"/>).</summary>
    internal IActorRef ConnectWorker(int port, TestProbe worker, DataPlaneSettings? settings = null)
    {
        var connection = Sys.ActorOf(DataPlaneConnection.Props(settings ?? Settings(), new DataPlaneEndpoint("127.0.0.1", port),
            Akka.Cluster.Cluster.Get(Sys).SelfAddress, Incarnation, "worker-1", worker));
        worker.ExpectMsg<DataPlaneConnected>(TimeSpan.FromSeconds(5));
        return connection;
    }
}
