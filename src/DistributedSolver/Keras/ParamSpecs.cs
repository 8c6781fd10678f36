using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>Caffe's per-blob <c>param { lr_mult }</c> as far as the Keras layers use it: the bias's rate multiplier.</summary>
internal static class ParamSpecs
{
    /// <summary>Writes <c>param { lr_mult: 1 } param { lr_mult: m }</c> when the bias's multiplier is not 1, nothing otherwise.</summary>
    public static void AddBiasMultiplier(LayerParameter layer, bool useBias, float multiplier)
    {
        if (!useBias || multiplier == 1f) return;
        layer.Param.Add(new ParamSpec { LrMult = 1f });
        layer.Param.Add(new ParamSpec { LrMult = multiplier });
    }

    /// <summary>The bias multiplier of an imported layer, or a refusal when its specs say more than that.</summary>
    public static float BiasMultiplier(LayerParameter layer)
    {
        var defaults = new ParamSpec();
        bool plain(ParamSpec p, bool bias) => !p.HasName && p.DecayMult == defaults.DecayMult && (bias || p.LrMult == 1f);
        if (layer.Param.Count > 2 || layer.Param.Select((p, i) => plain(p, bias: i == 1)).Contains(false))
            throw new InvalidOperationException($"layer '{layer.Name}' ({layer.Type}): its param specs (lr_mult, decay_mult, name) have no Keras equivalent beyond a bias lr_mult");
        return layer.Param.Count == 2 ? layer.Param[1].LrMult : 1f;
    }
}
