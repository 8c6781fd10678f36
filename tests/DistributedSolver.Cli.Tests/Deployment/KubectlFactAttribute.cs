namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>A fact that renders an overlay: skipped, with the reason, where kubectl (with kustomize) is absent.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kustomize.Absence is { } reason) Skip = reason;
    }
}
