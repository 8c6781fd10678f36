using Akka.Actor;
using DistributedSolver.Cluster.DataPlane;
using DistributedSolver.Cluster.Tests.Kit;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.MultiNode;

public sealed class DataPlaneMultiNodeTests(ITestOutputHelper output) : MultiNodeTest(output)
{
    private const long Incarnation = 3;

    [Fact]
    public async Task MultiNode_a_worker_streams_a_gradient_and_never_reconnects_to_a_downed_parameter_server()
    {
        // The oldest node is not the parameter server's, so keep-oldest downs the server's node
        // and the worker lives on to show that its connection retires instead of reconnecting.
        Nodes.StartCoordinator();
        Nodes.AwaitAllUp();
        var coordinator = Nodes.StartCoordinator();
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp();
        var settings = new DataPlaneSettings(Nodes.Template.ClusterToken!, 1 << 20);

        var server = CreateTestProbe(coordinator.System);
        var listener = coordinator.System.ActorOf(DataPlaneListener.Props(settings, Incarnation, server.Ref));
        listener.Tell(GetDataPlaneEndpoint.Instance, server.Ref);
        var endpoint = server.ExpectMsg<DataPlaneEndpoint>();

        var owner = CreateTestProbe(worker.System);
        var connection = worker.System.ActorOf(DataPlaneConnection.Props(settings, endpoint, coordinator.Cluster.SelfAddress, Incarnation, "w1", owner.Ref));
        owner.ExpectMsg<DataPlaneConnected>(TimeSpan.FromSeconds(10));
        var gradient = new byte[256 * 1024];
        new Random(5).NextBytes(gradient);
        connection.Tell(new SendTensor(FrameKind.Gradient, 4, 0, 2, 9, gradient), owner.Ref);
        owner.ExpectMsg<TensorSent>(TimeSpan.FromSeconds(5));
        server.ExpectMsg<DataPlaneConnected>(TimeSpan.FromSeconds(5));
        var received = server.ExpectMsg<TensorReceived>(TimeSpan.FromSeconds(5));
        using (received.Payload)
        {
            Assert.Equal((4, 0, 2, 9L), (received.Header.Iteration, received.Header.Unit, received.Header.UnitCount, received.Header.WeightsVersion));
            Assert.True(received.Payload.Memory.Span[..gradient.Length].SequenceEqual(gradient));
        }

        // Akka downs the parameter server's node: the connection retires instead of reconnecting.
        owner.Watch(connection);
        await Nodes.Isolate(coordinator);
        owner.FishForMessage(m => m is Terminated t && t.ActorRef.Equals(connection), TimeSpan.FromSeconds(30));
        Nodes.AwaitRemoved(coordinator, worker, TimeSpan.FromSeconds(10));
        Assert.False(worker.System.WhenTerminated.IsCompleted, "the worker's node must live on");
    }
}
