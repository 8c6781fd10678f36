using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistributedSolver.Cluster.Hosting;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.Serialization;

// serialize-messages stays off here: Akka's own cluster events (ReachabilityChanged) do not survive its
// JSON serializer, and this test is about joining, not about local serialization. The first node is a
// coordinator so the keep-oldest resolver keeps it when the refused node goes away.
public sealed class WireVersionJoinTests(ITestOutputHelper output)
    : TestKit(HoconBuilder.Config(SerializationTestConfig.Settings with { SerializeAllMessages = false, Roles = [ClusterRoles.Coordinator] }), output: output)
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void A_node_of_another_wire_version_is_downed_and_removed_while_one_of_the_same_version_joins()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        var members = CreateTestProbe();
        cluster.Subscribe(members.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
        cluster.Join(cluster.SelfAddress);
        members.FishForMessage<ClusterEvent.MemberUp>(e => e.Member.Address == cluster.SelfAddress, JoinTimeout);
        var joiner = SerializationTestConfig.Settings with { SerializeAllMessages = false, SystemName = Sys.Name, Seeds = [$"{cluster.SelfAddress.Host}:{cluster.SelfAddress.Port}"] };

        var stranger = ActorSystem.Create(Sys.Name,
            ConfigurationFactory.ParseString($"{WireVersion.ConfigKey} = {WireVersion.Current + 1}").WithFallback(HoconBuilder.Config(joiner)));
        try
        {
            InitializeLogger(stranger);
            var strangerAddress = Akka.Cluster.Cluster.Get(stranger).SelfAddress;
            var seen = new List<ClusterEvent.IMemberEvent>();
            // Down proves the refusal happened, not just a slow join. Akka.NET may move a joiner to Up about
            // 30 ms after its Join, before the guard's query round trip ends, so a brief Up is not asserted away.
            members.FishForMessage<ClusterEvent.IMemberEvent>(e =>
            {
                seen.Add(e);
                return e is ClusterEvent.MemberDowned && e.Member.Address == strangerAddress;
            }, JoinTimeout);
            Assert.Contains(seen, e => e is ClusterEvent.MemberJoined && e.Member.Address == strangerAddress);
        }
        finally
        {
            Shutdown(stranger, TimeSpan.FromSeconds(10));
        }

        var peer = ActorSystem.Create(Sys.Name, HoconBuilder.Config(joiner));
        try
        {
            var peerAddress = Akka.Cluster.Cluster.Get(peer).SelfAddress;
            members.FishForMessage<ClusterEvent.MemberUp>(e => e.Member.Address == peerAddress, JoinTimeout);
        }
        finally
        {
            Shutdown(peer, TimeSpan.FromSeconds(10));
        }
    }
}
