using DistributedSolver.Proto;

namespace DistributedSolver.Nets;

/// <summary>
/// Caffe's InsertSplits: where one top feeds several bottoms, a Split layer gives each consumer
/// its own copy, so their gradients are summed instead of overwriting each other. Names follow
/// Caffe: <c>{blob}_{layer}_{top}_split_{j}</c>.
/// </summary>
public static class SplitInsertion
{
    public static NetParameter Apply(NetParameter net)
    {
        // The producer of each blob name at each point, and the consumers of each producer's top.
        var producer = new Dictionary<string, (int Layer, int Top)>();
        var consumers = new Dictionary<(int Layer, int Top), List<(int Layer, int Bottom)>>();
        for (int i = 0; i < net.Layer.Count; i++)
        {
            var layer = net.Layer[i];
            for (int b = 0; b < layer.Bottom.Count; b++)
            {
                if (!producer.TryGetValue(layer.Bottom[b], out var source))
                    throw new Layers.NetConfigurationException(
                        $"layer '{layer.Name}': unknown bottom blob '{layer.Bottom[b]}' (no earlier layer produces it)");
                if (!consumers.TryGetValue(source, out var list)) consumers[source] = list = [];
                list.Add((i, b));
            }
            for (int t = 0; t < layer.Top.Count; t++) producer[layer.Top[t]] = (i, t);
        }

        var result = net.Clone();
        result.Layer.Clear();
        var renamed = new Dictionary<(int Layer, int Bottom), string>();
        for (int i = 0; i < net.Layer.Count; i++)
        {
            var layer = net.Layer[i].Clone();
            for (int b = 0; b < layer.Bottom.Count; b++)
                if (renamed.TryGetValue((i, b), out var name)) layer.Bottom[b] = name;
            result.Layer.Add(layer);
            for (int t = 0; t < layer.Top.Count; t++)
            {
                if (!consumers.TryGetValue((i, t), out var list) || list.Count < 2) continue;
                string blob = layer.Top[t];
                string prefix = $"{blob}_{layer.Name}_{t}_split";
                var split = new LayerParameter { Name = prefix, Type = "Split" };
                split.Bottom.Add(blob);
                for (int j = 0; j < list.Count; j++)
                {
                    split.Top.Add($"{prefix}_{j}");
                    renamed[list[j]] = $"{prefix}_{j}";
                }
                result.Layer.Add(split);
            }
        }
        return result;
    }
}
