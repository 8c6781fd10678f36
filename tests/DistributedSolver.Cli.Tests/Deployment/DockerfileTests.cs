using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The shipped Dockerfiles: multi-stage with pinned bases, no SDK at run time, a numeric non-root
/// user, dsolver as the entrypoint, the contract's ports. Checked by reading them (no Docker engine
/// here); the publish line they run was checked by hand from a clean copy of the build context.
/// </summary>
public sealed class DockerfileTests
{
    [Theory]
    [InlineData("Dockerfile")]
    [InlineData("Dockerfile.gpu")]
    public void The_shipped_dockerfiles_have_the_essentials(string name) =>
        Assert.Empty(DockerfileChecks.Problems(Dockerfile.Load(name)));

    [Fact]
    public void The_gpu_image_runs_on_a_cuda_runtime_image_that_carries_cublas()
    {
        // cuBLAS (libcublas.so.12) is in NVIDIA's runtime images, not in the base ones; the driver
        // comes from the container toolkit at run time.
        var final = Dockerfile.Load("Dockerfile.gpu").Final;
        Assert.StartsWith("nvidia/cuda:12.", final.Image);
        Assert.Contains("-runtime-", final.Image);
    }

    [Fact]
    public void Both_images_run_the_same_user_and_the_same_entrypoint()
    {
        var cpu = Dockerfile.Load("Dockerfile").Final.Instructions;
        var gpu = Dockerfile.Load("Dockerfile.gpu").Final.Instructions;
        foreach (var keyword in new[] { "USER", "ENTRYPOINT", "EXPOSE" })
            Assert.Equal(cpu.Last(i => i.Keyword == keyword), gpu.Last(i => i.Keyword == keyword));
    }

    [Fact]
    public void A_dockerfile_without_the_essentials_is_reported_on_each()
    {
        var problems = DockerfileChecks.Problems(Dockerfile.Parse("""
            FROM mcr.microsoft.com/dotnet/sdk:latest AS build
            RUN dotnet publish src/DistributedSolver.Cli -c Release -o /app
            FROM mcr.microsoft.com/dotnet/sdk
            COPY . /app
            EXPOSE 4053
            ENTRYPOINT dotnet /app/dsolver.dll
            USER root
            """));
        Assert.Contains(problems, p => p.Contains("tagged latest"));
        Assert.Contains(problems, p => p.Contains("has no tag"));
        Assert.Contains(problems, p => p.Contains("runs on the SDK image"));
        Assert.Contains(problems, p => p.Contains("does not run dsolver in exec form"));
        Assert.Contains(problems, p => p.Contains("no USER before ENTRYPOINT"));
        Assert.Contains(problems, p => p.Contains("port 4054 is not EXPOSEd"));
        Assert.Contains(problems, p => p.Contains("copies nothing from the stage that publishes"));
        Assert.Contains(problems, p => p.Contains("example data is not copied"));
    }

    [Fact]
    public void A_root_or_named_user_is_not_accepted()
    {
        foreach (var user in new[] { "0", "0:0", "dsolver" })
            Assert.Contains(DockerfileChecks.Problems(Dockerfile.Parse($"""
                FROM a:1 AS build
                FROM b:1
                USER {user}
                ENTRYPOINT ["dsolver"]
                """)), p => p.Contains("not a numeric non-root UID"));
    }

    [Fact]
    public void The_build_context_leaves_out_build_outputs_and_history_but_keeps_sources_and_data()
    {
        var patterns = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var excluded in new[] { "**/bin/", "**/obj/", "snapshots/", ".git" })
            Assert.Contains(excluded, patterns);
        Assert.DoesNotContain(patterns, p => p.StartsWith("src", StringComparison.Ordinal) || p.StartsWith("examples", StringComparison.Ordinal) || p.StartsWith("Directory.", StringComparison.Ordinal));
    }
}
