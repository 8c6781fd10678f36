using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Dropout: in the TRAIN phase each element is kept with probability 1 − dropout_ratio
/// and scaled by 1 / (1 − dropout_ratio), so the TEST phase is the identity. The mask is drawn
/// from a counter-based generator keyed by <see cref="RandomKey"/> (set per unit by the net), so
/// it is a function of (random_seed, the unit's data position, layer) and the element index
/// alone; backward draws the same mask again instead of storing it.
/// </summary>
public sealed class DropoutLayer(LayerParameter parameter, IComputeBackend backend) : NeuronLayer(parameter, backend), IStochasticLayer
{
    private float _ratio, _scale;

    public ulong RandomKey { get; set; }

    private bool Training => Parameter.Phase == Phase.Train;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.LayerSetUp(bottom, top);
        _ratio = (Parameter.DropoutParam ?? new DropoutParameter()).DropoutRatio;
        if (!(_ratio >= 0f && _ratio < 1f)) throw Error($"dropout_param.dropout_ratio {_ratio} must be in [0, 1)");
        // Caffe computes 1. / (1. - threshold_) in double and stores it as float.
        _scale = (float)(1.0 / (1.0 - _ratio));
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Training)
            Backend.DropoutForward(bottom[0].Data, top[0].Data, RandomKey, _ratio, _scale);
        else if (!ReferenceEquals(top[0], bottom[0]))
            Backend.Copy(bottom[0].Data, top[0].Data);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        if (Training)
            Backend.DropoutBackward(top[0].Diff, bottom[0].Diff, RandomKey, _ratio, _scale);
        else if (!ReferenceEquals(top[0], bottom[0]))
            Backend.Copy(top[0].Diff, bottom[0].Diff);
    }
}
