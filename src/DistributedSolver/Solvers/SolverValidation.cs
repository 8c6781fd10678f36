using DistributedSolver.Proto;

namespace DistributedSolver.Solvers;

/// <summary>The checks Caffe makes (and some it forgets) before a solver runs, each naming its field.</summary>
public static class SolverValidation
{
    public static void Validate(SolverParameter p)
    {
        Require(p.HasBaseLr, "base_lr", "is required");
        Require(p.BaseLr >= 0 && float.IsFinite(p.BaseLr), "base_lr", $"must be a finite value ≥ 0, got {p.BaseLr}");
        Require(p.HasLrPolicy, "lr_policy", $"is required (one of {string.Join(", ", LearningRatePolicy.Names)})");
        Require(LearningRatePolicy.Names.Contains(p.LrPolicy), "lr_policy",
            $"unknown policy '{p.LrPolicy}' (known: {string.Join(", ", LearningRatePolicy.Names)})");
        Require(p.MaxIter >= 0, "max_iter", $"must be ≥ 0, got {p.MaxIter}");
        Require(p.IterSize >= 1, "iter_size", $"must be ≥ 1, got {p.IterSize}");
        Require(p.AverageLoss >= 1, "average_loss", $"must be ≥ 1, got {p.AverageLoss}");
        Require(p.Display >= 0, "display", $"must be ≥ 0, got {p.Display}");
        Require(p.Snapshot >= 0, "snapshot", $"must be ≥ 0, got {p.Snapshot}");
        Require(p.TestInterval >= 0, "test_interval", $"must be ≥ 0, got {p.TestInterval}");
        Require(p.TestIter.All(t => t > 0), "test_iter", "must be positive");
        Require(p.Momentum is >= 0 and < 1, "momentum", $"must be in [0, 1), got {p.Momentum}");
        Require(p.WeightDecay >= 0, "weight_decay", $"must be ≥ 0, got {p.WeightDecay}");
        Require(p.SnapshotFormat == SolverParameter.Types.SnapshotFormat.Binaryproto, "snapshot_format", "only BINARYPROTO snapshots are written (no HDF5)");
        Require(p.RegularizationType is "L2", "regularization_type", $"'{p.RegularizationType}' is not supported yet (L2 is)");
        switch (p.LrPolicy)
        {
            case "step":
                Require(p.Stepsize > 0, "stepsize", "must be positive for lr_policy step");
                break;
            case "sigmoid":
                Require(p.HasStepsize, "stepsize", "is required for lr_policy sigmoid");
                break;
            case "multistep":
                Require(p.Stepvalue.Count > 0, "stepvalue", "is required for lr_policy multistep");
                for (int i = 1; i < p.Stepvalue.Count; i++)
                    Require(p.Stepvalue[i] > p.Stepvalue[i - 1], "stepvalue", "must be increasing");
                break;
            case "poly":
                Require(p.MaxIter > 0, "max_iter", "must be positive for lr_policy poly");
                break;
        }
        if (p.LrPolicy is "step" or "exp" or "inv" or "multistep" or "sigmoid")
            Require(p.HasGamma, "gamma", $"is required for lr_policy {p.LrPolicy}");
        if (p.LrPolicy is "inv" or "poly")
            Require(p.HasPower, "power", $"is required for lr_policy {p.LrPolicy}");
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition) throw new SolverConfigurationException(field, message);
    }
}
