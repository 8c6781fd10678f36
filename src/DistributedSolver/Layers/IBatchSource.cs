namespace DistributedSolver.Layers;

/// <summary>
/// A layer that produces samples. Its batch is a pure function of <see cref="Position"/> (the
/// index of the batch's first sample in the data order), so any process can compute any unit.
/// </summary>
public interface IBatchSource
{
    int BatchSize { get; }

    /// <summary>Samples in one pass over the data (Caffe wraps around at the end).</summary>
    long SampleCount { get; }

    long Position { get; set; }
}
