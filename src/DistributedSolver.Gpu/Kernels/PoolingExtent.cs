using ILGPU.Algorithms;

namespace DistributedSolver.Gpu.Kernels;

/// <summary>A range [Start, End) along one axis, and for a window, AVE's extent clipped to the padded plane only.</summary>
internal readonly struct PoolingExtent(int start, int end, int padded)
{
    public int Start { get; } = start;
    public int End { get; } = end;
    public int Padded { get; } = padded;

    /// <summary>Caffe's window of output o: the inputs inside the plane, and its padded extent.</summary>
    public static PoolingExtent Of(int o, int stride, int pad, int kernel, int size)
    {
        int start = o * stride - pad;
        int end = XMath.Min(start + kernel, size + pad);
        return new PoolingExtent(XMath.Max(start, 0), XMath.Min(end, size), end - start);
    }

    /// <summary>The outputs whose windows hold input <paramref name="i"/> (Caffe's phstart / phend).</summary>
    public static PoolingExtent Covering(int i, int stride, int pad, int kernel, int outputs)
    {
        int start = i + pad < kernel ? 0 : (i + pad - kernel) / stride + 1;
        return new PoolingExtent(start, XMath.Min((i + pad) / stride + 1, outputs), 0);
    }
}
