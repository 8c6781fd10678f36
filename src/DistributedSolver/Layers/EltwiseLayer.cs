using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;
using Op = DistributedSolver.Proto.EltwiseParameter.Types.EltwiseOp;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Eltwise over bottoms of one shape: SUM (with one <c>coeff</c> per bottom), PROD (its
/// gradient the product of the other bottoms with <c>stable_prod_grad</c>, else top / bottom),
/// or MAX (the gradient goes to the bottom that gave the maximum, Caffe's tie rule). Not in place.
/// </summary>
public sealed class EltwiseLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private Op _op;
    private float[] _coefficients = [];
    private bool _stable;
    private BufferView _argmax;

    protected override (int Min, int Max) BottomCount => (2, int.MaxValue);

    protected override (int Min, int Max) TopCount => (1, 1);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.EltwiseParam ?? new EltwiseParameter();
        _op = p.Operation;
        if (!Enum.IsDefined(_op)) throw Error($"eltwise_param.operation: unknown operation {(int)_op} (known: PROD, SUM, MAX)");
        if (p.Coeff.Count != 0 && p.Coeff.Count != bottom.Count)
            throw Error($"eltwise_param has {p.Coeff.Count} coeff values for {bottom.Count} bottoms; give one per bottom");
        if (p.Coeff.Count != 0 && _op != Op.Sum) throw Error("eltwise_param.coeff applies to SUM only");
        _coefficients = p.Coeff.Count == 0 ? [.. bottom.Select(_ => 1f)] : [.. p.Coeff];
        _stable = p.StableProdGrad;
        foreach (var b in bottom.Skip(1))
            if (!b.ShapeEquals(bottom[0].Shape))
                throw Error($"bottoms '{bottom[0].Name}' {bottom[0].ShapeString} and '{b.Name}' {b.ShapeString} must have the same shape");
        if (bottom.Any(b => ReferenceEquals(b, top[0]))) throw Error("does not run in place; give the top another name");
        top[0].SetShape(bottom[0].Shape);
        if (_op == Op.Max) _argmax = Backend.Allocate(bottom[0].Count).View;
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var y = top[0].Data;
        switch (_op)
        {
            case Op.Prod:
                Backend.Multiply(bottom[0].Data, bottom[1].Data, y);
                for (int i = 2; i < bottom.Count; i++) Backend.Multiply(y, bottom[i].Data, y);
                break;
            case Op.Sum:
                Backend.Fill(y, 0f);
                for (int i = 0; i < bottom.Count; i++) Backend.Axpy(_coefficients[i], bottom[i].Data, y);
                break;
            default:
                for (int i = 0; i < bottom.Count; i++) Backend.EltwiseMaxForward(bottom[i].Data, i, y, _argmax);
                break;
        }
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var dy = top[0].Diff;
        for (int i = 0; i < bottom.Count; i++)
        {
            if (!propagateDown[i]) continue;
            var dx = bottom[i].Diff;
            switch (_op)
            {
                case Op.Prod:
                    ProductOfOthers(bottom, i, top[0].Data, dx);
                    Backend.Multiply(dx, dy, dx);
                    break;
                case Op.Sum:
                    Backend.Axpby(_coefficients[i], dy, 0f, dx);
                    break;
                default:
                    Backend.EltwiseMaxBackward(dy, _argmax, i, dx);
                    break;
            }
        }
    }

    private void ProductOfOthers(IReadOnlyList<Blob> bottom, int skip, BufferView product, BufferView dx)
    {
        if (!_stable)
        {
            Backend.Divide(product, bottom[skip].Data, dx);
            return;
        }
        bool first = true;
        for (int j = 0; j < bottom.Count; j++)
        {
            if (j == skip) continue;
            if (first) Backend.Copy(bottom[j].Data, dx);
            else Backend.Multiply(bottom[j].Data, dx, dx);
            first = false;
        }
    }
}
