namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// How Kubernetes starts, checks and stops the pods: probes on the contract's endpoints, requests
/// and limits so the scheduler can place them, and a grace period that lets the active
/// coordinator write its final snapshot before SIGKILL.
/// </summary>
public sealed class PodLifecycleTests
{
    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Probes_ask_readyz_and_healthz_on_the_http_port(string overlay) =>
        Assert.Empty(DeploymentChecks.Probes(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Every_container_requests_and_limits_cpu_and_memory(string overlay) =>
        Assert.Empty(DeploymentChecks.Resources(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void The_grace_period_outlasts_the_handover_timeout(string overlay) =>
        Assert.Empty(DeploymentChecks.ShutdownGrace(Kustomize.Manifests(overlay)));

    [KubectlTheory]
    [MemberData(nameof(Kustomize.EveryOverlay), MemberType = typeof(Kustomize))]
    public void Pods_run_as_the_images_non_root_user_on_a_read_only_root_filesystem(string overlay)
    {
        foreach (var w in Kustomize.Manifests(overlay).Workloads)
        {
            Assert.Equal("true", w.PodSpec.Text("securityContext", "runAsNonRoot"));
            // The UID the Dockerfiles create: a pod with another one could not read the app's files
            // if the image ever restricted them.
            Assert.Equal(Dockerfile.NonRootUid.ToString(System.Globalization.CultureInfo.InvariantCulture), w.PodSpec.Text("securityContext", "runAsUser"));
            foreach (var c in w.Containers)
            {
                Assert.Equal("true", c.Root.Text("securityContext", "readOnlyRootFilesystem"));
                Assert.Equal("false", c.Root.Text("securityContext", "allowPrivilegeEscalation"));
                // With a read-only root, /tmp is the process's only scratch space.
                Assert.Contains(c.VolumeMounts, v => v.Text("mountPath") == "/tmp" && w.Volume(v.Text("name") ?? "")?.At("emptyDir") is not null);
            }
        }
    }
}
