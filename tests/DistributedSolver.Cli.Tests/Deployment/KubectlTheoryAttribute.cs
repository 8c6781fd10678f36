namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>A theory over rendered overlays: skipped, with the reason, where kubectl (with kustomize) is absent.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Kustomize.Absence is { } reason) Skip = reason;
    }
}
