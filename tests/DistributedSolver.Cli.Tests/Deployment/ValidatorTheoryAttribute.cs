namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>A theory that renders overlays and runs the node schema validator: skipped, with the reason, where kubectl, node or npm is absent.</summary>
public sealed class ValidatorTheoryAttribute : TheoryAttribute
{
    public ValidatorTheoryAttribute()
    {
        if ((Kustomize.Absence ?? ManifestValidator.Absence) is { } reason) Skip = reason;
    }
}
