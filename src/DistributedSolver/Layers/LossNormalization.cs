using DistributedSolver.Proto;
using Mode = DistributedSolver.Proto.LossParameter.Types.NormalizationMode;

namespace DistributedSolver.Layers;

/// <summary>Caffe's loss normalization (<c>loss_param.normalization</c>), shared by the loss layers.</summary>
internal static class LossNormalization
{
    /// <summary>
    /// The mode a layer uses: <c>normalization</c> when given, else the deprecated <c>normalize</c>
    /// (true: VALID, false: BATCH_SIZE), else the layer's own default.
    /// </summary>
    public static Mode Choose(LossParameter? loss, Mode layerDefault)
    {
        var mode = loss is null ? layerDefault
            : loss.HasNormalization ? loss.Normalization
            : loss.HasNormalize ? (loss.Normalize ? Mode.Valid : Mode.BatchSize)
            : layerDefault;
        if (!Enum.IsDefined(mode)) throw new ArgumentException($"loss_param.normalization: unknown mode {(int)mode}");
        return mode;
    }

    /// <summary>
    /// Caffe's get_normalizer: FULL counts every (outer, inner) position, VALID those whose label
    /// is not ignored, BATCH_SIZE the outer count, NONE 1; never below 1, so a batch of only
    /// ignored labels gives loss 0 instead of NaN.
    /// </summary>
    public static float Normalizer(Mode mode, int outer, int inner, int valid)
    {
        float normalizer = mode switch
        {
            Mode.Full => outer * inner,
            Mode.Valid => valid,
            Mode.BatchSize => outer,
            _ => 1f, // NONE; Choose admits no other value
        };
        return MathF.Max(1f, normalizer);
    }
}
