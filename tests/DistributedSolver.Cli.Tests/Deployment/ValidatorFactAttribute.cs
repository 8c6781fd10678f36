namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>A fact that runs the node schema validator: skipped, with the reason, where node or npm is absent.</summary>
public sealed class ValidatorFactAttribute : FactAttribute
{
    public ValidatorFactAttribute()
    {
        if (ManifestValidator.Absence is { } reason) Skip = reason;
    }
}
