namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// GPUs are asked for only by the gpu overlays' workers: a CPU deployment that requested
/// nvidia.com/gpu would never schedule on a cluster without GPUs, and a GPU worker without the
/// limit would see no device.
/// </summary>
public sealed class GpuOverlayTests
{
    [KubectlTheory]
    [InlineData("cpu", false)]
    [InlineData("gpu", true)]
    [InlineData("gpu-tls", true)]
    public void Gpu_limits_node_selectors_and_tolerations_appear_only_on_gpu_workers(string overlay, bool gpu) =>
        Assert.Empty(DeploymentChecks.GpuPlacement(Kustomize.Manifests(overlay), gpu));

    [KubectlFact]
    public void The_gpu_overlay_runs_the_cuda_image_and_the_cpu_overlay_the_cpu_image()
    {
        Assert.All(Kustomize.Manifests("gpu").Workloads.SelectMany(w => w.Containers), c => Assert.Contains("dsolver-gpu:", c.Image));
        Assert.All(Kustomize.Manifests("cpu").Workloads.SelectMany(w => w.Containers), c => Assert.DoesNotContain("-gpu", c.Image));
    }
}
