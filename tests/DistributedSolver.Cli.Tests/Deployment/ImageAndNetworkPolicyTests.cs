namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// What reaches the cluster from outside: images by exact version (a rebuilt latest would change
/// a running job's code under it) and, on the network, only the trainer's own pods on the Akka and
/// data-plane ports.
/// </summary>
public sealed class ImageAndNetworkPolicyTests
{
    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Images_carry_an_explicit_version_tag(string overlay) =>
        Assert.Empty(DeploymentChecks.Images(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Only_the_trainers_pods_reach_the_akka_and_data_plane_ports(string overlay) =>
        Assert.Empty(DeploymentChecks.NetworkPolicy(Kustomize.Manifests(overlay)));

    [Theory]
    [InlineData("registry.example.com/dsolver:0.1.0", true)]
    [InlineData("localhost:5000/dsolver:0.1.0", true)]
    [InlineData("dsolver@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("registry.example.com/dsolver", false)]
    [InlineData("localhost:5000/dsolver", false)]
    [InlineData("dsolver:latest", false)]
    public void An_image_is_pinned_only_by_a_tag_other_than_latest_or_a_digest(string image, bool pinned) =>
        Assert.Equal(pinned, DeploymentChecks.ImageProblem(image) is null);
}
