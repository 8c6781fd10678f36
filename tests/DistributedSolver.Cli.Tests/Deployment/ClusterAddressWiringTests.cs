namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// Akka joins only when every node's seeds are spelled exactly as the seed nodes advertise
/// themselves (AKKA-NOTES), so the names, ports and counts in the rendered overlays must agree
/// with one another, not only look plausible.
/// </summary>
public sealed class ClusterAddressWiringTests
{
    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Seeds_are_the_coordinator_pods_dns_names_with_the_akka_port(string overlay) =>
        Assert.Empty(DeploymentChecks.Seeds(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Each_pod_advertises_its_own_name_under_the_headless_service_its_statefulset_names(string overlay) =>
        Assert.Empty(DeploymentChecks.Addresses(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Port_variables_equal_the_container_ports_and_the_service_ports(string overlay) =>
        Assert.Empty(DeploymentChecks.Ports(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void The_coordinator_waits_for_as_many_workers_as_the_worker_statefulset_starts(string overlay) =>
        Assert.Empty(DeploymentChecks.MinWorkers(Kustomize.Manifests(overlay)));

    [KubectlFact]
    public void The_coordinator_statefulset_runs_an_active_and_a_standby_replica()
    {
        var coordinator = Kustomize.Manifests("cpu").Role(DeploymentChecks.CoordinatorRole);
        Assert.NotNull(coordinator);
        Assert.Equal(2, coordinator.Replicas);
        Assert.Equal(["coordinator"], coordinator.Containers.Single().Args);
        Assert.Equal(["worker"], Kustomize.Manifests("cpu").Role(DeploymentChecks.WorkerRole)!.Containers.Single().Args);
    }
}
