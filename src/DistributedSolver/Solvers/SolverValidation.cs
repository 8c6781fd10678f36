using DistributedSolver.Proto;
using Placement = DistributedSolver.Proto.SolverParameter.Types.EpsilonPlacement;

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
        Require(p.WeightDecay >= 0 && float.IsFinite(p.WeightDecay), "weight_decay", $"must be a finite value ≥ 0, got {p.WeightDecay}");
        Require(p.RegularizationType is "L2" or "L1", "regularization_type", $"must be L2 or L1, got '{p.RegularizationType}'");
        Require(p.SnapshotFormat == SolverParameter.Types.SnapshotFormat.Binaryproto, "snapshot_format", "only BINARYPROTO snapshots are written (no HDF5)");
        ValidateRule(p);
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

    /// <summary>The update rule's own fields: those of <c>type</c>, and the extensions it does not take.</summary>
    private static void ValidateRule(SolverParameter p)
    {
        Require(SolverFactory.Types.Contains(p.Type), "type", $"unknown solver type '{p.Type}' (known: {string.Join(", ", SolverFactory.Types)})");
        switch (p.Type)
        {
            case "SGD" or "Nesterov":
                // At momentum 1 the history never decays; above it grows without bound.
                Require(p.Momentum is >= 0 and < 1, "momentum", $"must be in [0, 1) for {p.Type}, got {p.Momentum}");
                break;
            case "AdaGrad" or "RMSProp":
                // Caffe's constructor_sanity_check: neither rule has a momentum term.
                Require(p.Momentum == 0, "momentum", $"must be 0 for {p.Type} (it has no momentum term), got {p.Momentum}");
                if (p.Type == "RMSProp")
                    Require(p.RmsDecay is >= 0 and < 1, "rms_decay", $"must be in [0, 1), got {p.RmsDecay}");
                break;
            case "AdaDelta":
                Require(p.Momentum is >= 0 and < 1, "momentum", $"is AdaDelta's decay rate and must be in [0, 1), got {p.Momentum}");
                break;
            case "Adam":
                Require(p.Momentum is >= 0 and < 1, "momentum", $"is Adam's β1 and must be in [0, 1), got {p.Momentum}");
                // At β2 = 1 the bias correction √(1 − β2^t) is 0 and nothing moves.
                Require(p.Momentum2 is >= 0 and < 1, "momentum2", $"is Adam's β2 and must be in [0, 1), got {p.Momentum2}");
                break;
        }
        if (p.Type is not ("SGD" or "Nesterov"))
            Require(p.Delta > 0 && float.IsFinite(p.Delta), "delta", $"must be a finite value > 0 (it keeps {p.Type}'s division finite), got {p.Delta}");
        Require(!p.Amsgrad || p.Type == "Adam", "amsgrad", $"applies to Adam only, not {p.Type}");
        Require(p.InitialAccumulatorValue == 0 || p.Type == "AdaGrad", "initial_accumulator_value", $"applies to AdaGrad only, not {p.Type}");
        Require(p.InitialAccumulatorValue >= 0 && float.IsFinite(p.InitialAccumulatorValue), "initial_accumulator_value",
            $"must be a finite value ≥ 0, got {p.InitialAccumulatorValue}");
        if (p.HasEpsilonPlacement)
        {
            var allowed = p.Type switch
            {
                "AdaGrad" or "RMSProp" => [Placement.AddToRoot, Placement.UnderRoot],
                "Adam" => [Placement.AddToRoot, Placement.AddToCorrectedRoot],
                _ => Array.Empty<Placement>(),
            };
            Require(allowed.Contains(p.EpsilonPlacement), "epsilon_placement", allowed.Length == 0
                ? $"applies to AdaGrad, RMSProp and Adam, not {p.Type}"
                : $"{p.Type} takes {string.Join(" or ", allowed.Select(PlacementName))}, not {PlacementName(p.EpsilonPlacement)}");
        }
    }

    private static string PlacementName(Placement placement) =>
        SolverParameter.Descriptor.FindFieldByName("epsilon_placement").EnumType.FindValueByNumber((int)placement)?.Name ?? placement.ToString();

    private static void Require(bool condition, string field, string message)
    {
        if (!condition) throw new SolverConfigurationException(field, message);
    }
}
