using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>Caffe's EuclideanLoss: ½N·Σ(a − b)² with N the first dimension; gradients to both bottoms.</summary>
public sealed class EuclideanLossLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    private BufferView _difference;

    protected override (int Min, int Max) BottomCount => (2, 2);

    protected override (int Min, int Max) TopCount => (1, 1);

    public override bool IsLoss => true;

    private int Num(Blob blob) => blob.NumAxes == 0 ? 1 : blob.Shape[0];

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].Count != bottom[1].Count || bottom[0].CountAxes(1, bottom[0].NumAxes) != bottom[1].CountAxes(1, bottom[1].NumAxes))
            throw Error($"bottoms '{bottom[0].Name}' {bottom[0].ShapeString} and '{bottom[1].Name}' {bottom[1].ShapeString} must have the same dimensions");
        _difference = Backend.Allocate(bottom[0].Count).View;
        top[0].SetShape([]);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Backend.Subtract(bottom[0].Data, bottom[1].Data, _difference);
        Backend.Fill(top[0].Data, Backend.SumOfSquares(_difference) / Num(bottom[0]) / 2f);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        Span<float> lossWeight = stackalloc float[1];
        Backend.Download(top[0].Diff, lossWeight);
        for (int i = 0; i < 2; i++)
        {
            if (!propagateDown[i]) continue;
            float alpha = (i == 0 ? 1f : -1f) * lossWeight[0] / Num(bottom[i]);
            Backend.Axpby(alpha, _difference, 0f, bottom[i].Diff);
        }
    }
}
