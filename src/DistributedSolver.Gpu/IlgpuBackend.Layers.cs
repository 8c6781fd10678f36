using DistributedSolver.Backend;
using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>The layer kernels: activations, softmax and losses, convolution's im2col, pooling, dropout, Eltwise.</summary>
public sealed partial class IlgpuBackend
{
    public void SoftmaxForward(int outer, int channels, int inner, BufferView x, BufferView y)
    {
        long size = (long)outer * channels * inner;
        RequireLength(x, size, nameof(x));
        RequireLength(y, size, nameof(y));
        int lanes = Lanes(outer * inner);
        if (lanes == 0) return;
        Kernel(nameof(SoftmaxKernels.Forward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.Forward))
            (lanes, lanes, outer, channels, inner, V(x), V(y));
    }

    public void SoftmaxBackward(int outer, int channels, int inner, BufferView y, BufferView dy, BufferView dx)
    {
        long size = (long)outer * channels * inner;
        RequireLength(y, size, nameof(y));
        RequireLength(dy, size, nameof(dy));
        RequireLength(dx, size, nameof(dx));
        int lanes = Lanes(outer * inner);
        if (lanes == 0) return;
        Kernel(nameof(SoftmaxKernels.Backward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SoftmaxKernels.Backward))
            (lanes, lanes, outer, channels, inner, V(y), V(dy), V(dx));
    }

    public (float LossSum, int Valid) SoftmaxCrossEntropy(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel)
    {
        var (loss, valid) = ReducePositions(default(SoftmaxLossTerm), outer, channels, inner, probabilities, labels, ignoreLabel);
        return (loss, valid);
    }

    public void SoftmaxCrossEntropyBackward(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel, float scale, BufferView dx)
    {
        long size = (long)outer * channels * inner;
        RequireLength(probabilities, size, nameof(probabilities));
        RequireLength(labels, (long)outer * inner, nameof(labels));
        RequireLength(dx, size, nameof(dx));
        int lanes = Lanes(outer * inner);
        if (lanes == 0) return;
        Kernel(nameof(SoftmaxKernels.LossBackward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, int, int, float, ArrayView<float>>(SoftmaxKernels.LossBackward))
            (lanes, lanes, outer, channels, inner, V(probabilities), V(labels), ignoreLabel.HasValue ? 1 : 0, ignoreLabel ?? 0, scale, V(dx));
    }

    public (int Correct, int Counted) AccuracyCount(int outer, int channels, int inner,
        BufferView scores, BufferView labels, int topK, int? ignoreLabel)
    {
        var (hits, counted) = ReducePositions(new TopKHitTerm(topK), outer, channels, inner, scores, labels, ignoreLabel);
        // Each hit adds exactly 1 to a float partial: exact far beyond any batch.
        return ((int)hits, counted);
    }

    /// <summary>The term's sum and count over the (outer, inner) positions whose label is not ignored; refuses a label outside the channels, as the CPU backend does.</summary>
    private (float Sum, int Count) ReducePositions<TTerm>(TTerm term, int outer, int channels, int inner,
        BufferView scores, BufferView labels, int? ignoreLabel) where TTerm : struct, IPositionTerm
    {
        int positions = outer * inner;
        RequireLength(scores, (long)outer * channels * inner, nameof(scores));
        RequireLength(labels, positions, nameof(labels));
        if (positions == 0) return (0f, 0);
        var kernel = _kernels.Get(nameof(ReductionKernels.Positions), typeof(TTerm), static a =>
            a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>, int, int,
                ArrayView<float>, ArrayView<int>, ArrayView<int>, TTerm>(ReductionKernels.Positions));
        int lanes = Math.Min(ReductionLanes, positions);
        (float Sum, int Count, int Invalid) partials;
        lock (_reductionGate)
        {
            kernel(lanes, lanes, positions, channels, inner, V(scores), V(labels), ignoreLabel.HasValue ? 1 : 0, ignoreLabel ?? 0,
                _partialSums.View, _partialCounts.View, _partialInvalid.View, term);
            partials = CollectPartials(lanes, withInvalid: true);
        }
        var (sum, count, invalid) = partials;
        if (invalid > 0) throw InvalidLabel(labels.Slice(0, positions), channels, ignoreLabel);
        return (sum, count);
    }

    // The error path only: finds the first offending label on the host, for the CPU backend's message.
    private InvalidDataException InvalidLabel(BufferView labels, int channels, int? ignoreLabel)
    {
        var values = new float[labels.Length];
        Download(labels, values);
        int label = values.Select(v => (int)v).First(l => l != ignoreLabel && (l < 0 || l >= channels));
        return new InvalidDataException($"label {label} is outside [0, {channels}) of the prediction blob");
    }

    public void Multiply(BufferView a, BufferView b, BufferView y) => Map(default(MultiplyOp), a, b, y);

    public void Divide(BufferView a, BufferView b, BufferView y) => Map(default(DivideOp), a, b, y);

    public void CopyBlocks(BufferView source, int sourceStride, BufferView destination, int destinationStride, int blocks, int length)
    {
        if (blocks == 0 || length == 0) return;
        RequireLength(source, (long)(blocks - 1) * sourceStride + length, nameof(source));
        RequireLength(destination, (long)(blocks - 1) * destinationStride + length, nameof(destination));
        int lanes = Lanes(blocks * length);
        if (lanes == 0) return;
        Kernel(nameof(ElementwiseKernels.CopyBlocks), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, int, ArrayView<float>, int>(ElementwiseKernels.CopyBlocks))
            (lanes, lanes, blocks, length, V(source), sourceStride, V(destination), destinationStride);
    }

    public void TransposeBlocks(BufferView x, int rows, int cols, int block, BufferView y)
    {
        long size = (long)rows * cols * block;
        RequireLength(x, size, nameof(x));
        RequireLength(y, size, nameof(y));
        int lanes = Lanes(rows * cols * block);
        if (lanes == 0) return;
        Kernel(nameof(ElementwiseKernels.TransposeBlocks), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, int, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.TransposeBlocks))
            (lanes, lanes, rows, cols, block, V(x), V(y));
    }

    public void Im2Col(BufferView images, int count, int channels, SpatialWindow window, BufferView columns)
    {
        RequireLength(images, (long)count * channels * window.InputSize, nameof(images));
        long size = (long)channels * window.KernelSize * count * window.OutputSize;
        RequireLength(columns, size, nameof(columns));
        int lanes = Lanes((int)size);
        if (lanes == 0) return;
        Kernel(nameof(ConvolutionKernels.Im2Col), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>>(ConvolutionKernels.Im2Col))
            (lanes, lanes, count, channels, window, V(images), V(columns));
    }

    public void Col2Im(BufferView columns, int count, int channels, SpatialWindow window, BufferView images)
    {
        RequireLength(columns, (long)channels * window.KernelSize * count * window.OutputSize, nameof(columns));
        long size = (long)count * channels * window.InputSize;
        RequireLength(images, size, nameof(images));
        int lanes = Lanes((int)size);
        if (lanes == 0) return;
        Kernel(nameof(ConvolutionKernels.Col2Im), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>>(ConvolutionKernels.Col2Im))
            (lanes, lanes, count, channels, window, V(columns), V(images));
    }

    public void MaxPoolForward(BufferView x, int planes, SpatialWindow window, BufferView y, BufferView argmax)
    {
        RequirePlanes(planes, window, input: x, output: y);
        RequireLength(argmax, y.Length, nameof(argmax));
        int lanes = Lanes(planes * window.OutputSize);
        if (lanes == 0) return;
        Kernel(nameof(PoolingKernels.MaxForward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PoolingKernels.MaxForward))
            (lanes, lanes, planes, window, V(x), V(y), V(argmax));
    }

    public void MaxPoolBackward(BufferView dy, BufferView argmax, int planes, SpatialWindow window, BufferView dx)
    {
        RequirePlanes(planes, window, input: dx, output: dy);
        RequireLength(argmax, dy.Length, nameof(argmax));
        int lanes = Lanes(planes * window.InputSize);
        if (lanes == 0) return;
        Kernel(nameof(PoolingKernels.MaxBackward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>, ArrayView<float>>(PoolingKernels.MaxBackward))
            (lanes, lanes, planes, window, V(dy), V(argmax), V(dx));
    }

    public void AveragePoolForward(BufferView x, int planes, SpatialWindow window, BufferView y)
    {
        RequirePlanes(planes, window, input: x, output: y);
        int lanes = Lanes(planes * window.OutputSize);
        if (lanes == 0) return;
        Kernel(nameof(PoolingKernels.AverageForward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>>(PoolingKernels.AverageForward))
            (lanes, lanes, planes, window, V(x), V(y));
    }

    public void AveragePoolBackward(BufferView dy, int planes, SpatialWindow window, BufferView dx)
    {
        RequirePlanes(planes, window, input: dx, output: dy);
        int lanes = Lanes(planes * window.InputSize);
        if (lanes == 0) return;
        Kernel(nameof(PoolingKernels.AverageBackward), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, int, SpatialWindow, ArrayView<float>, ArrayView<float>>(PoolingKernels.AverageBackward))
            (lanes, lanes, planes, window, V(dy), V(dx));
    }

    // A pooling pass's views: the input side holds planes × the input plane, the output side planes × the output plane.
    private static void RequirePlanes(int planes, SpatialWindow window, BufferView input, BufferView output)
    {
        RequireLength(input, (long)planes * window.InputSize, nameof(input));
        RequireLength(output, (long)planes * window.OutputSize, nameof(output));
    }

    public void ClippedReluForward(BufferView x, BufferView y, float negativeSlope, float threshold, float maxValue) =>
        Map(new ClippedReluOp(negativeSlope, threshold, maxValue), x, x, y);

    public void ClippedReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope, float threshold, float maxValue) =>
        Map(new ClippedReluGradientOp(negativeSlope, threshold, maxValue), x, dy, dx);

    public void SigmoidForward(BufferView x, BufferView y) => Map(default(SigmoidOp), x, x, y);

    public void SigmoidBackward(BufferView y, BufferView dy, BufferView dx) => Map(default(SigmoidGradientOp), y, dy, dx);

    public void TanhForward(BufferView x, BufferView y) => Map(default(TanhOp), x, x, y);

    public void TanhBackward(BufferView y, BufferView dy, BufferView dx) => Map(default(TanhGradientOp), y, dy, dx);

    public void DropoutForward(BufferView x, BufferView y, ulong key, float ratio, float scale)
    {
        RequireLength(y, x.Length, nameof(y));
        int lanes = Lanes(x.Length);
        if (lanes == 0) return;
        Kernel(nameof(ElementwiseKernels.Dropout), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ulong, float, float>(ElementwiseKernels.Dropout))
            (lanes, lanes, V(x), V(y.Slice(0, x.Length)), key, ratio, scale);
    }

    public void DropoutBackward(BufferView dy, BufferView dx, ulong key, float ratio, float scale) =>
        DropoutForward(dy, dx, key, ratio, scale);

    public (float LossSum, int Valid) SigmoidCrossEntropy(BufferView x, BufferView targets, int? ignoreLabel) =>
        Reduce(new SigmoidCrossEntropyTerm(ignoreLabel.HasValue ? 1 : 0, ignoreLabel ?? 0), x, targets);

    public void SigmoidCrossEntropyBackward(BufferView sigmoid, BufferView targets, int? ignoreLabel, float scale, BufferView dx) =>
        Map(new SigmoidCrossEntropyGradientOp(ignoreLabel.HasValue ? 1 : 0, ignoreLabel ?? 0, scale), sigmoid, targets, dx);

    public float SumOfMagnitudes(BufferView x) => Reduce(default(MagnitudeTerm), x, x).Sum;

    public void ScaledSign(BufferView x, float scale, BufferView y) => Map(new ScaledSignOp(scale), x, x, y);

    public float BinaryCrossEntropy(BufferView probabilities, BufferView targets, float epsilon) =>
        Reduce(new BinaryCrossEntropyTerm(epsilon), probabilities, targets).Sum;

    public void BinaryCrossEntropyBackward(BufferView probabilities, BufferView targets, float epsilon, float scale, BufferView dx) =>
        Map(new BinaryCrossEntropyGradientOp(epsilon, scale), probabilities, targets, dx);

    public int BinaryAccuracyCount(BufferView probabilities, BufferView targets, float threshold) =>
        Reduce(new BinaryAccuracyTerm(threshold), probabilities, targets).Count;

    public void EltwiseMaxForward(BufferView x, int index, BufferView y, BufferView argmax)
    {
        RequireLength(y, x.Length, nameof(y));
        RequireLength(argmax, x.Length, nameof(argmax));
        int lanes = Lanes(x.Length);
        if (lanes == 0) return;
        Kernel(nameof(ElementwiseKernels.EltwiseMax), static a =>
                a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, int, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.EltwiseMax))
            (lanes, lanes, V(x), index, V(y.Slice(0, x.Length)), V(argmax.Slice(0, x.Length)));
    }

    public void EltwiseMaxBackward(BufferView dy, BufferView argmax, int index, BufferView dx) =>
        Map(new EltwiseMaxGradientOp(index), dy, argmax, dx);
}
