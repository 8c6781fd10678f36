using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;
using Method = DistributedSolver.Proto.PoolingParameter.Types.PoolMethod;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Pooling over (num, channels, height, width): MAX (the gradient goes to the first
/// maximum of each window; a second top receives those positions as Caffe's mask) or AVE (Caffe's
/// divisor counts the padding but not the window's part beyond it), with pad, stride,
/// global_pooling and Caffe's output size: ⌈(H + 2·pad − kernel) / stride⌉ + 1 (⌊⌋ with
/// round_mode FLOOR), one less when padding would make the last window start in the padding.
/// STOCHASTIC is refused.
/// </summary>
public sealed class PoolingLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    // Window positions are stored as floats, which hold integers exactly up to 2²⁴.
    private const int MaxPlaneSize = 1 << 24;

    private Method _method;
    private SpatialWindow _window;
    private int _planes;
    private BufferView _argmax;

    protected override (int Min, int Max) BottomCount => (1, 1);

    protected override (int Min, int Max) TopCount => (1, 2);

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.PoolingParam ?? throw Error("pooling_param is required");
        var b = bottom[0];
        _method = p.Pool switch
        {
            Method.Max or Method.Ave => p.Pool,
            Method.Stochastic => throw Error("pooling_param.pool STOCHASTIC is not supported (it samples at train time); use MAX or AVE"),
            var unknown => throw Error($"pooling_param.pool: unknown method {(int)unknown} (known: MAX, AVE)"),
        };
        if (top.Count > 1 && _method != Method.Max) throw Error("only MAX pooling has a second top (the positions of the maxima)");
        if (top.Any(t => ReferenceEquals(t, b))) throw Error("does not run in place; give the top another name");
        if (b.NumAxes != 4) throw Error($"needs a 4-axis (num, channels, height, width) bottom, '{b.Name}' is {b.ShapeString}");
        int height = b.Shape[2], width = b.Shape[3];
        if ((long)height * width > MaxPlaneSize) throw Error($"planes of {height}x{width} are larger than the {MaxPlaneSize} positions supported");

        if (p.HasPad && (p.HasPadH || p.HasPadW)) throw Error("pooling_param: give pad or pad_h and pad_w, not both");
        if (p.HasPadH != p.HasPadW) throw Error("pooling_param: give both pad_h and pad_w");
        if (p.HasStride && (p.HasStrideH || p.HasStrideW)) throw Error("pooling_param: give stride or stride_h and stride_w, not both");
        if (p.HasStrideH != p.HasStrideW) throw Error("pooling_param: give both stride_h and stride_w");
        int ph = (int)(p.HasPadH ? p.PadH : p.Pad), pw = (int)(p.HasPadW ? p.PadW : p.Pad);
        int sh = (int)(p.HasStrideH ? p.StrideH : p.Stride), sw = (int)(p.HasStrideW ? p.StrideW : p.Stride);
        var (kh, kw) = Kernel(p, height, width);
        if (p.GlobalPooling && (ph != 0 || pw != 0 || sh != 1 || sw != 1))
            throw Error("pooling_param with global_pooling takes only pad 0 and stride 1");
        if (kh <= 0 || kw <= 0) throw Error($"pooling_param kernel_size {kh}x{kw} must be positive");
        if (sh <= 0 || sw <= 0) throw Error($"pooling_param stride {sh}x{sw} must be positive");
        if (ph >= kh || pw >= kw) throw Error($"pooling_param pad {ph}x{pw} must be smaller than the kernel {kh}x{kw}");
        if (kh > height + 2 * ph || kw > width + 2 * pw)
            throw Error($"pooling_param kernel_size {kh}x{kw} is larger than the padded input {height + 2 * ph}x{width + 2 * pw} of '{b.Name}'");
        if (!Enum.IsDefined(p.RoundMode)) throw Error($"pooling_param.round_mode: unknown mode {(int)p.RoundMode} (known: CEIL, FLOOR)");
        bool ceil = p.RoundMode == PoolingParameter.Types.RoundMode.Ceil;
        int outH = OutputSize(height, kh, ph, sh, ceil, clip: ph != 0 || pw != 0);
        int outW = OutputSize(width, kw, pw, sw, ceil, clip: ph != 0 || pw != 0);
        // Without padding, rounding up can start the last window past the input when the stride
        // exceeds the kernel; Caffe then reads outside the blob. Refused instead.
        if ((outH - 1) * sh - ph >= height || (outW - 1) * sw - pw >= width)
            throw Error($"pooling_param: with stride {sh}x{sw} larger than the kernel {kh}x{kw}, the last window of '{b.Name}' {b.ShapeString} "
                + "would start past the input; use round_mode FLOOR or a smaller stride");

        _window = new SpatialWindow(height, width, kh, kw, ph, pw, sh, sw, 1, 1, outH, outW);
        _planes = b.Shape[0] * b.Shape[1];
        int[] shape = [b.Shape[0], b.Shape[1], outH, outW];
        foreach (var t in top) t.SetShape(shape);
        if (_method == Method.Max && top.Count == 1) _argmax = Backend.Allocate(_planes * _window.OutputSize).View;
    }

    private (int H, int W) Kernel(PoolingParameter p, int height, int width)
    {
        bool square = p.HasKernelSize, rectangle = p.HasKernelH || p.HasKernelW;
        if (p.GlobalPooling)
        {
            if (square || rectangle) throw Error("pooling_param with global_pooling takes no kernel size: the kernel is the whole plane");
            return (height, width);
        }
        if (square && rectangle) throw Error("pooling_param: give kernel_size or kernel_h and kernel_w, not both");
        if (square) return ((int)p.KernelSize, (int)p.KernelSize);
        if (p.HasKernelH && p.HasKernelW) return ((int)p.KernelH, (int)p.KernelW);
        throw Error("pooling_param.kernel_size (or kernel_h and kernel_w) is required");
    }

    /// <summary>Caffe's pooled size along one axis; the numerator is never negative here (checked above).</summary>
    private static int OutputSize(int input, int kernel, int pad, int stride, bool ceil, bool clip)
    {
        int span = input + 2 * pad - kernel;
        int size = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // Caffe: with padding, the last window must start strictly inside the image.
        if (clip && (size - 1) * stride >= input + pad) size--;
        return size;
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (_method == Method.Max)
            Backend.MaxPoolForward(bottom[0].Data, _planes, _window, top[0].Data, Mask(top));
        else
            Backend.AveragePoolForward(bottom[0].Data, _planes, _window, top[0].Data);
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0]) return;
        if (_method == Method.Max)
            Backend.MaxPoolBackward(top[0].Diff, Mask(top), _planes, _window, bottom[0].Diff);
        else
            Backend.AveragePoolBackward(top[0].Diff, _planes, _window, bottom[0].Diff);
    }

    // Caffe writes the mask into the second top when there is one, and into its own blob otherwise.
    private BufferView Mask(IReadOnlyList<Blob> top) => top.Count > 1 ? top[1].Data : _argmax;
}
