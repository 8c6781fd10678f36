using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// The 2-D ranges one lane of a pooling pass walks: for output e, the window's rows and columns in
/// the input plane that starts at <see cref="Origin"/>; for input e, the rows and columns of the
/// outputs whose windows hold it, in the output plane that starts at <see cref="Origin"/>.
/// </summary>
internal readonly struct PoolingWindow(PoolingExtent rows, PoolingExtent columns, int origin)
{
    public PoolingExtent Rows { get; } = rows;
    public PoolingExtent Columns { get; } = columns;
    public int Origin { get; } = origin;

    public static PoolingWindow OfOutput(int e, SpatialWindow w)
    {
        int output = e % w.OutputSize;
        return new PoolingWindow(
            PoolingExtent.Of(output / w.OutputW, w.StrideH, w.PadH, w.KernelH, w.Height),
            PoolingExtent.Of(output % w.OutputW, w.StrideW, w.PadW, w.KernelW, w.Width),
            e / w.OutputSize * w.InputSize);
    }

    public static PoolingWindow CoveringInput(int e, SpatialWindow w)
    {
        int position = e % w.InputSize;
        return new PoolingWindow(
            PoolingExtent.Covering(position / w.Width, w.StrideH, w.PadH, w.KernelH, w.OutputH),
            PoolingExtent.Covering(position % w.Width, w.StrideW, w.PadW, w.KernelW, w.OutputW),
            e / w.InputSize * w.OutputSize);
    }
}
