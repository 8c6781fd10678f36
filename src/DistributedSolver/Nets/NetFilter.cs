using DistributedSolver.Proto;

namespace DistributedSolver.Nets;

/// <summary>Caffe's Net::FilterNet: keeps the layers whose include/exclude rules match the net state.</summary>
public static class NetFilter
{
    public static NetParameter Filter(NetParameter net, NetState state)
    {
        var filtered = net.Clone();
        filtered.Layer.Clear();
        foreach (var layer in net.Layer)
        {
            if (layer.Include.Count > 0 && layer.Exclude.Count > 0)
                throw new Layers.NetConfigurationException($"layer '{layer.Name}' specifies both include and exclude rules");
            bool keep = layer.Include.Count > 0
                ? layer.Include.Any(r => Meets(state, r))
                : !layer.Exclude.Any(r => Meets(state, r));
            if (keep) filtered.Layer.Add(layer);
        }
        return filtered;
    }

    public static bool Meets(NetState state, NetStateRule rule)
    {
        if (rule.HasPhase && rule.Phase != state.Phase) return false;
        if (rule.HasMinLevel && state.Level < rule.MinLevel) return false;
        if (rule.HasMaxLevel && state.Level > rule.MaxLevel) return false;
        if (rule.Stage.Any(s => !state.Stage.Contains(s))) return false;
        if (rule.NotStage.Any(s => state.Stage.Contains(s))) return false;
        return true;
    }
}
