using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using DistributedSolver.Cluster.Serialization;

namespace DistributedSolver.Cluster.Tests.Serialization;

public sealed class SerializerIdentifierTests
{
    [Fact]
    public async Task No_serializer_of_a_default_cluster_system_uses_the_trainers_identifier()
    {
        var config = ConfigurationFactory.ParseString("""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
                """)
            .WithFallback(ClusterSingleton.DefaultConfig())
            .WithFallback(DistributedPubSub.DefaultConfig());
        var system = ActorSystem.Create("identifiers", config);
        try
        {
            // Akka looks serializers up by identifier when reading; a default system must know no 7311.
            var e = Assert.ThrowsAny<Exception>(() => system.Serialization.Deserialize([0x91, 0x01], TrainerMessageSerializer.Id, $"{DistributedSolver.Cluster.Hosting.WireVersion.Current}:ping"));
            Assert.Contains(TrainerMessageSerializer.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
