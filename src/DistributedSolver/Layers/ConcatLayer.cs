using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Concat: the bottoms side by side along <c>concat_param.axis</c> (or the deprecated
/// <c>concat_dim</c>); every other axis must match. Backward hands each bottom its slice.
/// </summary>
public sealed class ConcatLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _outer, _inner, _axis;

    protected override (int Min, int Max) BottomCount => (1, int.MaxValue);

    protected override (int Min, int Max) TopCount => (1, 1);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.ConcatParam ?? new ConcatParameter();
        if (p.HasAxis && p.HasConcatDim) throw Error("give concat_param.axis or concat_dim, not both");
        var first = bottom[0];
        if (p.HasConcatDim && p.ConcatDim >= first.NumAxes)
            throw Error($"concat_param.concat_dim {p.ConcatDim} is outside '{first.Name}' {first.ShapeString}");
        _axis = p.HasConcatDim ? (int)p.ConcatDim : first.CanonicalAxis(p.Axis);
        var shape = first.Shape.ToArray();
        foreach (var b in bottom.Skip(1))
        {
            bool matches = b.NumAxes == first.NumAxes && Enumerable.Range(0, shape.Length).All(a => a == _axis || b.Shape[a] == shape[a]);
            if (!matches)
                throw Error($"'{b.Name}' {b.ShapeString} and '{first.Name}' {first.ShapeString} must agree on every axis but the concatenated axis {_axis}");
            shape[_axis] += b.Shape[_axis];
        }
        if (bottom.Any(b => ReferenceEquals(b, top[0]))) throw Error("does not run in place; give the top another name");
        _outer = first.CountAxes(0, _axis);
        _inner = first.CountAxes(_axis + 1, first.NumAxes);
        top[0].SetShape(shape);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int offset = 0;
        foreach (var b in bottom)
        {
            var (length, stride, slice) = Slice(b, top[0], offset);
            Backend.CopyBlocks(b.Data, length, top[0].Data.Slice(slice, top[0].Count - slice), stride, _outer, length);
            offset += b.Shape[_axis];
        }
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        int offset = 0;
        for (int i = 0; i < bottom.Count; i++)
        {
            var (length, stride, slice) = Slice(bottom[i], top[0], offset);
            if (propagateDown[i])
                Backend.CopyBlocks(top[0].Diff.Slice(slice, top[0].Count - slice), stride, bottom[i].Diff, length, _outer, length);
            offset += bottom[i].Shape[_axis];
        }
    }

    /// <summary>A bottom's run per outer index, the top's run, and where the bottom's first run starts in the top.</summary>
    private (int Length, int Stride, int Start) Slice(Blob b, Blob top, int offset) =>
        (b.Shape[_axis] * _inner, top.Shape[_axis] * _inner, offset * _inner);
}
