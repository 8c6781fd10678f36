using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's ReLU with <c>negative_slope</c> (leaky); may run in place. With the extension fields
/// <c>max_value</c> or <c>threshold</c> it is Keras' ReLU (<c>keras.activations.relu</c>), whose
/// code gives f(x) = min(x, max_value) for x &gt; threshold and negative_slope·(x − threshold)
/// otherwise. (Keras' docstring says x ≥ threshold, but its code compares x &gt; threshold, so
/// f(threshold) = 0, and its own example relu([5.], threshold=5) gives 0: the code is followed.)
/// Keras' layer refuses a negative max_value or threshold; so does this one.
/// </summary>
public sealed class ReLULayer(LayerParameter parameter, IComputeBackend backend) : NeuronLayer(parameter, backend)
{
    private BufferView? _input;

    private ReLUParameter P => Parameter.ReluParam ?? new ReLUParameter();

    private float Slope => P.NegativeSlope;

    // Unset, Caffe's kernel runs: the bits stay Caffe's. threshold 0 without max_value is the same function.
    private bool IsKeras => P.HasMaxValue || P.Threshold != 0f;

    private float MaxValue => P.HasMaxValue ? P.MaxValue : float.PositiveInfinity;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.LayerSetUp(bottom, top);
        if (P.HasMaxValue && !(P.MaxValue >= 0f)) throw Error($"relu_param.max_value {P.MaxValue} must be a number ≥ 0");
        if (!(P.Threshold >= 0f && float.IsFinite(P.Threshold))) throw Error($"relu_param.threshold {P.Threshold} must be a finite number ≥ 0");
        // In place, Caffe's ReLU finds its mask from the output (it has x's sign); Keras' pieces
        // cannot all be told apart from the output, so the input is kept.
        if (IsKeras && ReferenceEquals(top[0], bottom[0])) _input = Backend.Allocate(bottom[0].Count).View;
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (!IsKeras)
        {
            Backend.ReluForward(bottom[0].Data, top[0].Data, Slope);
            return;
        }
        if (_input is { } input) Backend.Copy(bottom[0].Data, input);
        Backend.ClippedReluForward(bottom[0].Data, top[0].Data, Slope, P.Threshold, MaxValue);
    }

    // In place, Caffe's bottom data already holds max(x, slope·x), which has x's sign: the mask is the same.
    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        if (!IsKeras)
            Backend.ReluBackward(bottom[0].Data, top[0].Diff, bottom[0].Diff, Slope);
        else
            Backend.ClippedReluBackward(_input ?? bottom[0].Data, top[0].Diff, bottom[0].Diff, Slope, P.Threshold, MaxValue);
    }
}
