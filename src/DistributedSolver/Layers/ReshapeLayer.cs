using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Reshape: <c>reshape_param.shape</c> replaces bottom axes [axis, axis + num_axes); a 0
/// copies the bottom's dimension at that place, one −1 is inferred from the count.
/// </summary>
public sealed class ReshapeLayer(LayerParameter parameter, IComputeBackend backend) : ViewLayer(parameter, backend)
{
    protected override IReadOnlyList<int> TopShape(Blob b)
    {
        var p = Parameter.ReshapeParam ?? throw Error("reshape_param is required");
        int start = p.Axis >= 0 ? p.Axis : b.NumAxes + p.Axis + 1;
        if (start < 0 || start > b.NumAxes) throw Error($"reshape_param.axis {p.Axis} is outside '{b.Name}' {b.ShapeString}");
        if (p.NumAxes < -1) throw Error($"reshape_param.num_axes {p.NumAxes} must be ≥ 0, or −1 for all");
        int end = p.NumAxes == -1 ? b.NumAxes : start + p.NumAxes;
        if (end > b.NumAxes) throw Error($"reshape_param axis {p.Axis} + num_axes {p.NumAxes} is outside '{b.Name}' {b.ShapeString}");

        var dims = (p.Shape ?? new BlobShape()).Dim;
        var shape = new List<int>(b.Shape.Take(start));
        int inferred = -1;
        long known = (long)b.CountAxes(0, start) * b.CountAxes(end, b.NumAxes);
        for (int i = 0; i < dims.Count; i++)
        {
            long dim = dims[i];
            if (dim == 0)
            {
                if (start + i >= b.NumAxes) throw Error($"reshape_param.shape dim {i} is 0 but '{b.Name}' {b.ShapeString} has no axis {start + i} to copy");
                dim = b.Shape[start + i];
            }
            else if (dim == -1)
            {
                if (inferred >= 0) throw Error("reshape_param.shape has more than one −1 dimension; at most one can be inferred");
                inferred = shape.Count;
            }
            else if (dim < -1 || dim > int.MaxValue)
            {
                throw Error($"reshape_param.shape dim {i} is {dim}; dimensions are ≥ 0, or −1 to infer");
            }
            shape.Add((int)dim);
            if (dim > 0) known *= dim;
        }
        shape.AddRange(b.Shape.Skip(end));
        if (inferred >= 0)
        {
            if (known == 0 || b.Count % known != 0)
                throw Error($"cannot infer the −1 dimension: '{b.Name}' {b.ShapeString} has {b.Count} values, not a multiple of {known}");
            shape[inferred] = (int)(b.Count / known);
        }
        return shape;
    }
}
