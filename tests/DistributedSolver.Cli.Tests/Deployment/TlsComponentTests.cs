namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The tls component switches transport TLS on for every node at once (a node without it could
/// not talk to the others), from Secret dsolver-tls; overlays without it carry no TLS settings.
/// </summary>
public sealed class TlsComponentTests
{
    [KubectlTheory]
    [InlineData("cpu", false)]
    [InlineData("gpu", false)]
    [InlineData("gpu-tls", true)]
    public void Tls_settings_point_into_the_mounted_secret_on_every_node_exactly_when_the_component_is_included(string overlay, bool tls) =>
        Assert.Empty(DeploymentChecks.Tls(Kustomize.Manifests(overlay), tls));
}
