namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// What the pods read and write: the solver and net files from the ConfigMap, the cluster token
/// from its Secret, the snapshots on a volume both coordinators reach.
/// </summary>
public sealed class ConfigAndStorageWiringTests
{
    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void The_solver_and_the_net_it_names_are_mounted_where_DSOLVER_SOLVER_points(string overlay) =>
        Assert.Empty(DeploymentChecks.SolverConfig(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void The_cluster_token_comes_from_a_secret_in_the_render(string overlay) =>
        Assert.Empty(DeploymentChecks.ClusterToken(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Snapshots_go_to_a_read_write_many_volume_at_the_snapshot_prefix_directory(string overlay) =>
        Assert.Empty(DeploymentChecks.Snapshots(Kustomize.Manifests(overlay)));

    [KubectlFact]
    public void Everything_lands_in_the_dsolver_namespace()
    {
        var manifests = Kustomize.Manifests("cpu");
        Assert.NotNull(manifests.Find("Namespace", "dsolver"));
        Assert.All(manifests.Documents.Where(d => d.Text("kind") != "Namespace"), d => Assert.Equal("dsolver", d.Text("metadata", "namespace")));
    }
}
