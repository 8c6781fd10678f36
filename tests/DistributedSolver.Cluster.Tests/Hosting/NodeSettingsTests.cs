using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.Tests.Hosting;

public sealed class NodeSettingsTests
{
    [Fact]
    public void The_environment_a_pod_sets_becomes_the_nodes_settings()
    {
        var settings = new NodeSettings().WithEnvironment(new Dictionary<string, string?>
        {
            [NodeSettings.Variables.BindHost] = "0.0.0.0",
            [NodeSettings.Variables.PublicHost] = "worker-3.workers.trainer.svc",
            [NodeSettings.Variables.Port] = "4053",
            [NodeSettings.Variables.Seeds] = "coordinator-0.coordinator:4053, coordinator-1.coordinator:4053",
            [NodeSettings.Variables.Roles] = "worker",
            [NodeSettings.Variables.ClusterToken] = "s3cret",
            [NodeSettings.Variables.HeartbeatInterval] = "500ms",
            [NodeSettings.Variables.StableAfter] = "2s",
            [NodeSettings.Variables.HttpPort] = "8080",
            [NodeSettings.Variables.HandOverTimeout] = "90s",
        }).Validate();
        Assert.Equal(8080, settings.HttpPort);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.HandOverTimeout);
        Assert.Equal(["coordinator-0.coordinator:4053", "coordinator-1.coordinator:4053"], settings.Seeds);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.StableAfter);

        var hocon = HoconBuilder.Build(settings);
        Assert.Contains("\"akka.tcp://dsolver@coordinator-0.coordinator:4053\"", hocon);
        Assert.Contains("public-hostname = \"worker-3.workers.trainer.svc\"", hocon);
        Assert.Contains("active-strategy = keep-oldest", hocon);
        Assert.DoesNotContain("s3cret", hocon);
        Assert.DoesNotContain("s3cret", settings.ToString());
        // The text Akka runs with parses and says what we built.
        var config = HoconBuilder.Config(settings);
        Assert.Equal("500ms", config.GetString("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.singleton.role"));
        // The leaving coordinator's snapshot must fit its coordinated-shutdown phase.
        Assert.True(config.GetTimeSpan("akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout") > settings.HandOverTimeout);
    }

    [Theory]
    [InlineData(NodeSettings.Variables.Port, "70000", "DSOLVER_PORT")]
    [InlineData(NodeSettings.Variables.Seeds, "no-port", "seeds")]
    [InlineData(NodeSettings.Variables.Seeds, "a\"b:1", "seeds")]
    [InlineData(NodeSettings.Variables.Seeds, "::1:4053", "seeds")]
    [InlineData(NodeSettings.Variables.Roles, "boss", "roles")]
    [InlineData(NodeSettings.Variables.BindHost, "0.0.0.0", "public host")]
    [InlineData(NodeSettings.Variables.StableAfter, "soon", "DSOLVER_SBR_STABLE_AFTER")]
    [InlineData(NodeSettings.Variables.HttpPort, "http", "DSOLVER_HTTP_PORT")]
    [InlineData(NodeSettings.Variables.HandOverTimeout, "0.5s", "hand-over timeout")]
    public void A_setting_that_cannot_work_is_named(string variable, string value, string named)
    {
        var e = Assert.Throws<NodeSettingsException>(() => new NodeSettings().WithEnvironment(new Dictionary<string, string?> { [variable] = value }).Validate());
        Assert.StartsWith(named, e.Message);
    }
}
