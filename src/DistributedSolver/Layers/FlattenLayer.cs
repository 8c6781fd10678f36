using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's Flatten: axes <c>axis</c>..<c>end_axis</c> (inclusive) become one.</summary>
public sealed class FlattenLayer(LayerParameter parameter, IComputeBackend backend) : ViewLayer(parameter, backend)
{
    protected override IReadOnlyList<int> TopShape(Blob bottom)
    {
        var p = Parameter.FlattenParam ?? new FlattenParameter();
        int start = bottom.CanonicalAxis(p.Axis);
        int end = bottom.CanonicalAxis(p.EndAxis);
        if (end < start) throw Error($"flatten_param.end_axis {p.EndAxis} comes before axis {p.Axis} in '{bottom.Name}' {bottom.ShapeString}");
        return [.. bottom.Shape.Take(start), bottom.CountAxes(start, end + 1), .. bottom.Shape.Skip(end + 1)];
    }
}
