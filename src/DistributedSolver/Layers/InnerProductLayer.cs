using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Fillers;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's InnerProduct: top = bottom·Wᵀ + b over the axes from <c>axis</c> on.</summary>
public sealed class InnerProductLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private int _m, _k, _n;
    private bool _transpose;
    private Blob? _bias;
    private BufferView _ones;

    protected override (int Min, int Max) BottomCount => (1, 1);

    protected override (int Min, int Max) TopCount => (1, 1);

    private InnerProductParameter P => Parameter.InnerProductParam ?? new InnerProductParameter();

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!P.HasNumOutput || P.NumOutput == 0) throw Error("inner_product_param.num_output must be set and positive");
        int axis = bottom[0].CanonicalAxis(P.Axis);
        _n = (int)P.NumOutput;
        _k = bottom[0].CountAxes(axis, bottom[0].NumAxes);
        _m = bottom[0].CountAxes(0, axis);
        _transpose = P.Transpose;
        AddParameter("weight", _transpose ? [_k, _n] : [_n, _k]);
        if (P.BiasTerm)
        {
            _bias = AddParameter("bias", _n);
            _ones = Backend.Allocate(_m).View;
            Backend.Fill(_ones, 1f);
        }
        var topShape = bottom[0].Shape.Take(axis).Append(_n).ToArray();
        top[0].SetShape(topShape);
    }

    public override void FillParameters(Random random)
    {
        Filler.Fill(P.WeightFiller ?? new FillerParameter(), Parameters[0], Backend, random);
        if (_bias is not null) Filler.Fill(P.BiasFiller ?? new FillerParameter(), _bias, Backend, random);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var weight = Parameters[0].Data;
        Backend.Gemm(Transpose.No, _transpose ? Transpose.No : Transpose.Yes, _m, _n, _k,
            1f, bottom[0].Data, weight, 0f, top[0].Data);
        if (_bias is not null)
            Backend.Gemm(Transpose.No, Transpose.No, _m, _n, 1, 1f, _ones, _bias.Data, 1f, top[0].Data);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var topDiff = top[0].Diff;
        if (Learns(0))
        {
            if (_transpose)
                Backend.Gemm(Transpose.Yes, Transpose.No, _k, _n, _m, 1f, bottom[0].Data, topDiff, 1f, Parameters[0].Diff);
            else
                Backend.Gemm(Transpose.Yes, Transpose.No, _n, _k, _m, 1f, topDiff, bottom[0].Data, 1f, Parameters[0].Diff);
        }
        if (_bias is not null && Learns(1))
            Backend.Gemv(Transpose.Yes, _m, _n, 1f, topDiff, _ones, 1f, _bias.Diff);
        if (propagateDown[0])
            Backend.Gemm(Transpose.No, _transpose ? Transpose.Yes : Transpose.No, _m, _k, _n,
                1f, topDiff, Parameters[0].Data, 0f, bottom[0].Diff);
    }
}
