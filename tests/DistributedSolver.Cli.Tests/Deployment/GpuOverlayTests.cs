namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// GPUs are asked for by every pod of the gpu overlays and by none elsewhere: a CPU deployment
/// that requested nvidia.com/gpu would never schedule on a cluster without GPUs, a GPU pod without
/// the limit would see no device, and a coordinator on another device than its workers would
/// refuse them (their arithmetic fingerprints differ).
/// </summary>
public sealed class GpuOverlayTests
{
    [KubectlTheory]
    [InlineData("cpu", false)]
    [InlineData("gpu", true)]
    [InlineData("gpu-tls", true)]
    public void Gpu_limits_node_selectors_and_tolerations_appear_on_every_pod_of_gpu_overlays_only(string overlay, bool gpu) =>
        Assert.Empty(DeploymentChecks.GpuPlacement(Kustomize.Manifests(overlay), gpu));

    [KubectlFact]
    public void The_gpu_overlay_runs_the_cuda_image_and_the_cpu_overlay_the_cpu_image()
    {
        Assert.All(Kustomize.Manifests("gpu").Workloads.SelectMany(w => w.Containers), c => Assert.Contains("dsolver-gpu:", c.Image));
        Assert.All(Kustomize.Manifests("cpu").Workloads.SelectMany(w => w.Containers), c => Assert.DoesNotContain("-gpu", c.Image));
    }
}
