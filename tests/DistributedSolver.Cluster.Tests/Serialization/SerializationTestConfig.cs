using Akka.Configuration;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.Tests.Serialization;

internal static class SerializationTestConfig
{
    public static readonly NodeSettings Settings = new()
    {
        Port = 0,
        DataPlanePort = 0,
        Roles = [ClusterRoles.Worker],
        SerializeAllMessages = true,
    };

    public static Config Node => HoconBuilder.Config(Settings);
}
