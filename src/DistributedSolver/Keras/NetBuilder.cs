using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>A NetParameter written layer by layer, each new layer reading the last top.</summary>
internal sealed class NetBuilder(string name)
{
    public NetParameter Net { get; } = new() { Name = name };

    /// <summary>The blob the next layer reads.</summary>
    public string Top { get; set; } = Sequential.DataBlob;

    /// <summary>Adds a layer reading <see cref="Top"/> and writing <paramref name="top"/>, or in place when it is null.</summary>
    public LayerParameter Add(string name, string type, string? top = null)
    {
        var layer = new LayerParameter { Name = name, Type = type };
        layer.Bottom.Add(Top);
        layer.Top.Add(top ?? Top);
        Net.Layer.Add(layer);
        Top = top ?? Top;
        return layer;
    }
}
