using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Fillers;
using DistributedSolver.Proto;

namespace DistributedSolver.Layers;

/// <summary>
/// Caffe's Convolution over (num, channels, height, width) blobs: weights (num_output,
/// channels / group, kernel_h, kernel_w) and a bias per output, with pad, stride, dilation and
/// group. Computed as Caffe does, im2col then GEMM, but over several images at once: the
/// columns of a chunk of images sit side by side, so one GEMM per group covers the chunk
/// (large enough to spread over the GEMM's tiles) and its (outputs, images, pixels) product is
/// transposed into the top. Backward is the same three steps in reverse: weight gradient =
/// top diff × columnsᵀ, bias gradient = top diff × ones, bottom gradient = col2im(Wᵀ × top diff).
/// Chunks depend on the shapes only, so the bits do not depend on the thread count.
/// </summary>
public sealed class ConvolutionLayer(LayerParameter parameter, IComputeBackend backend) : Layer(parameter, backend)
{
    // The columns of one chunk hold at most this many floats (16 MB), and at least one image's.
    private const long ColumnBudget = 1 << 22;

    private SpatialWindow _window;
    private int _num, _channels, _outputs, _group, _chunk;
    private Blob? _bias;
    private BufferView _columns, _product, _ones;

    // True while the column buffer holds the im2col of the whole bottom (a batch of one chunk),
    // as forward leaves it; backward then skips redoing it until it reuses the buffer itself.
    private bool _columnsHoldBottom;

    protected override (int Min, int Max) BottomCount => (1, 1);

    protected override (int Min, int Max) TopCount => (1, 1);

    private ConvolutionParameter P => Parameter.ConvolutionParam ?? new ConvolutionParameter();

    // Rows of the column matrix per group (channels/group · kernel taps) and outputs per group.
    private int GroupRows => _channels / _group * _window.KernelSize;

    private int GroupOutputs => _outputs / _group;

    protected override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var p = Parameter.ConvolutionParam ?? throw Error("convolution_param is required");
        var b = bottom[0];
        if (ReferenceEquals(top[0], b)) throw Error("does not run in place; give the top another name");
        if (!p.HasNumOutput || p.NumOutput == 0) throw Error("convolution_param.num_output must be set and positive");
        if (b.NumAxes != 4)
            throw Error($"needs a 4-axis (num, channels, height, width) bottom, '{b.Name}' is {b.ShapeString}; only 2-D convolution is supported");
        if (b.CanonicalAxis(p.Axis) != 1) throw Error($"convolution_param.axis {p.Axis} must be 1, the channels of (num, channels, height, width)");
        _num = b.Shape[0];
        _channels = b.Shape[1];
        _outputs = checked((int)p.NumOutput);
        _group = checked((int)p.Group);
        if (_group == 0) throw Error("convolution_param.group must be positive");
        if (_channels % _group != 0) throw Error($"convolution_param.group {_group} must divide the {_channels} input channels of '{b.Name}'");
        if (_outputs % _group != 0) throw Error($"convolution_param.num_output {_outputs} must be divisible by group {_group}");

        bool hasKernelHw = p.HasKernelH || p.HasKernelW;
        if (hasKernelHw && !(p.HasKernelH && p.HasKernelW)) throw Error("convolution_param: give both kernel_h and kernel_w");
        var (kh, kw) = Spatial("kernel_size", p.KernelSize, hasKernelHw, p.KernelH, p.KernelW, fallback: null);
        var (sh, sw) = Spatial("stride", p.Stride, p.HasStrideH || p.HasStrideW, p.StrideH, p.StrideW, fallback: 1);
        var (ph, pw) = Spatial("pad", p.Pad, p.HasPadH || p.HasPadW, p.PadH, p.PadW, fallback: 0);
        var (dh, dw) = Spatial("dilation", p.Dilation, false, 0, 0, fallback: 1);
        if (kh <= 0 || kw <= 0) throw Error($"convolution_param kernel {kh}x{kw} must be positive");
        if (sh <= 0 || sw <= 0) throw Error($"convolution_param stride {sh}x{sw} must be positive");
        if (dh <= 0 || dw <= 0) throw Error($"convolution_param dilation {dh}x{dw} must be positive");
        int height = b.Shape[2], width = b.Shape[3];
        long extentH = (long)dh * (kh - 1) + 1, extentW = (long)dw * (kw - 1) + 1;
        long paddedH = height + 2L * ph, paddedW = width + 2L * pw;
        if (extentH > paddedH || extentW > paddedW)
            throw Error($"convolution_param kernel_size: the kernel ({extentH}x{extentW} with dilation) is larger than the padded input "
                + $"{paddedH}x{paddedW} of '{b.Name}' {b.ShapeString}");
        _window = new SpatialWindow(height, width, kh, kw, ph, pw, sh, sw, dh, dw,
            (int)((paddedH - extentH) / sh + 1), (int)((paddedW - extentW) / sw + 1));

        AddParameter("weight", _outputs, _channels / _group, kh, kw);
        if (p.BiasTerm) _bias = AddParameter("bias", _outputs);
        top[0].SetShape([_num, _outputs, _window.OutputH, _window.OutputW]);

        long columnsPerImage = (long)_channels * _window.KernelSize * _window.OutputSize;
        _chunk = (int)Math.Clamp(ColumnBudget / Math.Max(columnsPerImage, 1), 1, Math.Max(_num, 1));
        int columnsOfChunk = checked((int)(_chunk * columnsPerImage));
        _columns = Backend.Allocate(columnsOfChunk).View;
        _product = Backend.Allocate(checked(_outputs * _chunk * _window.OutputSize)).View;
        if (_bias is not null)
        {
            _ones = Backend.Allocate(_chunk * _window.OutputSize).View;
            Backend.Fill(_ones, 1f);
        }
    }

    /// <summary>
    /// Caffe's reading of a spatial field: <c>name</c> given once (both axes) or twice (height,
    /// width), or the 2-D <c>_h</c>/<c>_w</c> pair instead, never both; absent, the fallback.
    /// </summary>
    private (int H, int W) Spatial(string name, IList<uint> values, bool pairGiven, uint h, uint w, int? fallback)
    {
        if (pairGiven)
        {
            if (values.Count > 0) throw Error($"convolution_param: give {name} or its _h/_w pair, not both");
            return (checked((int)h), checked((int)w));
        }
        return values.Count switch
        {
            0 when fallback is { } f => (f, f),
            0 => throw Error($"convolution_param.{name} is required"),
            1 => (checked((int)values[0]), checked((int)values[0])),
            2 => (checked((int)values[0]), checked((int)values[1])),
            _ => throw Error($"convolution_param.{name} has {values.Count} values; give 1, or 2 (height, width)"),
        };
    }

    public override void FillParameters(Random random)
    {
        Filler.Fill(P.WeightFiller ?? new FillerParameter(), Parameters[0], Backend, random);
        if (_bias is not null) Filler.Fill(P.BiasFiller ?? new FillerParameter(), _bias, Backend, random);
    }

    public override void Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var weights = Parameters[0].Data;
        for (int start = 0; start < _num; start += _chunk)
        {
            var chunk = ChunkAt(start, bottom[0], top[0], diff: false);
            Backend.Im2Col(chunk.Bottom, chunk.Images, _channels, _window, chunk.Columns);
            for (int g = 0; g < _group; g++)
                Backend.Gemm(Transpose.No, Transpose.No, GroupOutputs, chunk.Pixels, GroupRows,
                    1f, GroupWeights(weights, g), chunk.GroupColumns(g, GroupRows), 0f, chunk.GroupProduct(g, GroupOutputs));
            if (_bias is not null)
                Backend.Gemm(Transpose.No, Transpose.No, _outputs, chunk.Pixels, 1, 1f, _bias.Data, _ones.Slice(0, chunk.Pixels), 1f, chunk.Product);
            Backend.TransposeBlocks(chunk.Product, _outputs, chunk.Images, _window.OutputSize, chunk.Top);
        }
        _columnsHoldBottom = _chunk >= _num;
    }

    public override void Backward(IReadOnlyList<Blob> top, IReadOnlyList<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        var weights = Parameters[0];
        bool weightsLearn = Learns(0);
        bool biasLearns = _bias is not null && Learns(1);
        for (int start = 0; start < _num; start += _chunk)
        {
            var chunk = ChunkAt(start, bottom[0], top[0], diff: true);
            // The top diff as (outputs, images·pixels); chunks are added in order, so the sums are fixed.
            Backend.TransposeBlocks(chunk.Top, chunk.Images, _outputs, _window.OutputSize, chunk.Product);
            if (biasLearns) Backend.Gemv(Transpose.No, _outputs, chunk.Pixels, 1f, chunk.Product, _ones.Slice(0, chunk.Pixels), 1f, _bias!.Diff);
            if (!weightsLearn && !propagateDown[0]) continue;
            if (!_columnsHoldBottom) Backend.Im2Col(chunk.BottomData, chunk.Images, _channels, _window, chunk.Columns);
            if (weightsLearn)
                for (int g = 0; g < _group; g++)
                    Backend.Gemm(Transpose.No, Transpose.Yes, GroupOutputs, GroupRows, chunk.Pixels,
                        1f, chunk.GroupProduct(g, GroupOutputs), chunk.GroupColumns(g, GroupRows), 1f, GroupWeights(weights.Diff, g));
            if (!propagateDown[0]) continue;
            // The columns are free once the weight gradient has used them: they take the column gradient.
            _columnsHoldBottom = false;
            for (int g = 0; g < _group; g++)
                Backend.Gemm(Transpose.Yes, Transpose.No, GroupRows, chunk.Pixels, GroupOutputs,
                    1f, GroupWeights(weights.Data, g), chunk.GroupProduct(g, GroupOutputs), 0f, chunk.GroupColumns(g, GroupRows));
            Backend.Col2Im(chunk.Columns, chunk.Images, _channels, _window, chunk.Bottom);
        }
    }

    private BufferView GroupWeights(BufferView weights, int g) => weights.Slice(g * GroupOutputs * GroupRows, GroupOutputs * GroupRows);

    /// <summary>The chunk of whole images from <paramref name="start"/>, with its slices of the bottom, top and work buffers.</summary>
    private Chunk ChunkAt(int start, Blob bottom, Blob top, bool diff)
    {
        int imageIn = _channels * _window.InputSize, imageOut = _outputs * _window.OutputSize;
        int images = Math.Min(_chunk, _num - start);
        int pixels = images * _window.OutputSize;
        return new Chunk(images, pixels,
            (diff ? bottom.Diff : bottom.Data).Slice(start * imageIn, images * imageIn),
            bottom.Data.Slice(start * imageIn, images * imageIn),
            (diff ? top.Diff : top.Data).Slice(start * imageOut, images * imageOut),
            _columns.Slice(0, _channels * _window.KernelSize * pixels), _product.Slice(0, _outputs * pixels));
    }

    /// <param name="Bottom">The bottom's data (forward) or gradient (backward) for these images.</param>
    /// <param name="BottomData">The bottom's data for these images, which backward reads again.</param>
    /// <param name="Top">The top's data (forward) or gradient (backward) for these images.</param>
    private readonly record struct Chunk(int Images, int Pixels, BufferView Bottom, BufferView BottomData, BufferView Top,
        BufferView Columns, BufferView Product)
    {
        public BufferView GroupColumns(int g, int rows) => Columns.Slice(g * rows * Pixels, rows * Pixels);

        public BufferView GroupProduct(int g, int outputs) => Product.Slice(g * outputs * Pixels, outputs * Pixels);
    }
}
