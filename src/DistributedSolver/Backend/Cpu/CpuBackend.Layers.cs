using System.Numerics;
using System.Numerics.Tensors;
using DistributedSolver.Randomness;

namespace DistributedSolver.Backend.Cpu;

/// <summary>
/// The layer kernels of the CPU backend. Work is split over whole planes or elements, never
/// inside a sum, so the thread count cannot change a bit.
/// </summary>
public sealed partial class CpuBackend
{
    // Below this many element operations a kernel runs inline: a thread handoff costs more.
    private const long MinParallelWork = 1 << 16;

    public void Multiply(BufferView a, BufferView b, BufferView y) => TensorPrimitives.Multiply(S(a), S(b), S(y));

    public void Divide(BufferView a, BufferView b, BufferView y) => TensorPrimitives.Divide(S(a), S(b), S(y));

    public void CopyBlocks(BufferView source, int sourceStride, BufferView destination, int destinationStride, int blocks, int length)
    {
        var s = S(source);
        var d = S(destination);
        for (int b = 0; b < blocks; b++)
            s.Slice(b * sourceStride, length).CopyTo(d.Slice(b * destinationStride, length));
    }

    public void TransposeBlocks(BufferView x, int rows, int cols, int block, BufferView y)
    {
        var xs = S(x);
        var ys = S(y);
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            xs.Slice((r * cols + c) * block, block).CopyTo(ys.Slice((c * rows + r) * block, block));
    }

    public void Im2Col(BufferView images, int count, int channels, SpatialWindow window, BufferView columns) =>
        ForColumnPlanes(images, count, channels, window, columns, (image, column, rowStart, rowLength) =>
        {
            for (int tap = 0; tap < window.KernelSize; tap++)
            {
                var row = column.AsSpan(rowStart + tap * rowLength, window.OutputSize);
                var run = TapRun.Of(window, tap);
                row[..(run.FirstRow * window.OutputW)].Clear();
                row[(run.EndRow * window.OutputW)..].Clear();
                for (int oh = run.FirstRow; oh < run.EndRow; oh++)
                {
                    var output = row.Slice(oh * window.OutputW, window.OutputW);
                    if (run.Low > 0) output[..run.Low].Clear();
                    if (run.High < output.Length) output[run.High..].Clear();
                    var inside = output[run.Low..run.High];
                    int first = run.InputIndex(window, oh);
                    if (window.StrideW == 1)
                        CopyRun(image.Slice(first, inside.Length), inside);
                    else
                        for (int k = 0; k < inside.Length; k++) inside[k] = image[first + k * window.StrideW];
                }
            }
        });

    public void Col2Im(BufferView columns, int count, int channels, SpatialWindow window, BufferView images) =>
        ForColumnPlanes(images, count, channels, window, columns, (image, column, rowStart, rowLength) =>
        {
            image.Clear();
            // Taps in order, then output rows in order: each image element adds its terms in one fixed order.
            for (int tap = 0; tap < window.KernelSize; tap++)
            {
                var row = new ReadOnlySpan<float>(column, rowStart + tap * rowLength, window.OutputSize);
                var run = TapRun.Of(window, tap);
                for (int oh = run.FirstRow; oh < run.EndRow; oh++)
                {
                    var values = row.Slice(oh * window.OutputW + run.Low, run.High - run.Low);
                    int first = run.InputIndex(window, oh);
                    if (window.StrideW == 1)
                        AddRun(values, image.Slice(first, values.Length));
                    else
                        for (int k = 0; k < values.Length; k++) image[first + k * window.StrideW] += values[k];
                }
            }
        });

    /// <summary>One image plane of im2col / col2im: the plane, the column matrix, where the plane's first tap row starts, and the row length.</summary>
    private delegate void ColumnPlane(Span<float> image, float[] column, int rowStart, int rowLength);

    // Plane (n, c) of the images owns rows c·taps … of the column matrix, at columns n·OutputSize onwards.
    private void ForColumnPlanes(BufferView images, int count, int channels, SpatialWindow window, BufferView columns, ColumnPlane body)
    {
        var (image, imageOffset) = Storage(images, (long)count * channels * window.InputSize);
        var (column, columnOffset) = Storage(columns, (long)channels * window.KernelSize * count * window.OutputSize);
        int rowLength = count * window.OutputSize;
        ForPlanes(count * channels, window.KernelSize * window.OutputSize, plane =>
        {
            int n = plane / channels, c = plane % channels;
            body(image.AsSpan(imageOffset + plane * window.InputSize, window.InputSize), column,
                columnOffset + c * window.KernelSize * rowLength + n * window.OutputSize, rowLength);
        });
    }

    /// <summary>
    /// Where kernel tap (i, j) reads: output rows [FirstRow, EndRow) and columns [Low, High) read
    /// inside the plane, the rest reads padding; <see cref="InputIndex"/> is where a row's run starts.
    /// </summary>
    private readonly record struct TapRun(int FirstRow, int EndRow, int Low, int High, int RowOffset, int FirstColumn)
    {
        public static TapRun Of(SpatialWindow w, int tap)
        {
            int i = tap / w.KernelW, j = tap % w.KernelW;
            var (low, high, firstColumn) = Inside(w.OutputW, j * w.DilationW - w.PadW, w.StrideW, w.Width);
            var (firstRow, endRow, _) = Inside(w.OutputH, i * w.DilationH - w.PadH, w.StrideH, w.Height);
            // A tap whose columns all read padding reads no row either.
            if (high == low) endRow = firstRow;
            return new TapRun(firstRow, endRow, low, high, i * w.DilationH - w.PadH, firstColumn);
        }

        /// <summary>The input index read by output (oh, Low).</summary>
        public int InputIndex(SpatialWindow w, int oh) => (oh * w.StrideH + RowOffset) * w.Width + FirstColumn;

        /// <summary>Along one axis: the outputs o in [first, end) with 0 ≤ offset + o·stride &lt; size, and the input position of the first.</summary>
        private static (int First, int End, int Input) Inside(int outputs, int offset, int stride, int size)
        {
            int first = Math.Min(outputs, offset >= 0 ? 0 : CeilDiv(-offset, stride));
            int end = Math.Max(first, Math.Min(outputs, offset < size ? CeilDiv(size - offset, stride) : 0));
            return (first, end, offset + first * stride);
        }

        private static int CeilDiv(int a, int b) => (a + b - 1) / b;
    }

    // An output row of a convolution is often 8 to 32 floats: whole vectors do it, where a library
    // call would cost more than the work.
    private static void CopyRun(ReadOnlySpan<float> source, Span<float> destination)
    {
        int n = destination.Length, i = 0;
        if (n >= Vector<float>.Count)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) new Vector<float>(source[i..]).CopyTo(destination[i..]);
            // The last vector overlaps the previous one: a copy may write an element twice.
            if (i < n) new Vector<float>(source[(n - Vector<float>.Count)..]).CopyTo(destination[(n - Vector<float>.Count)..]);
            return;
        }
        for (; i < n; i++) destination[i] = source[i];
    }

    // target += values, one addition per element in vector and tail alike (so the same bits).
    private static void AddRun(ReadOnlySpan<float> values, Span<float> target)
    {
        int n = values.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(target[i..]) + new Vector<float>(values[i..])).CopyTo(target[i..]);
        for (; i < n; i++) target[i] += values[i];
    }

    public void MaxPoolForward(BufferView x, int planes, SpatialWindow window, BufferView y, BufferView argmax)
    {
        var (xs, xo) = Storage(x, (long)planes * window.InputSize);
        var (ys, yo) = Storage(y, (long)planes * window.OutputSize);
        var (ms, mo) = Storage(argmax, (long)planes * window.OutputSize);
        ForPlanes(planes, window.OutputSize * window.KernelSize, plane =>
        {
            var input = new ReadOnlySpan<float>(xs, xo + plane * window.InputSize, window.InputSize);
            var output = ys.AsSpan(yo + plane * window.OutputSize, window.OutputSize);
            var mask = ms.AsSpan(mo + plane * window.OutputSize, window.OutputSize);
            for (int ph = 0; ph < window.OutputH; ph++)
            {
                var rows = PoolingWindow.Of(ph, window.StrideH, window.PadH, window.KernelH, window.Height);
                for (int pw = 0; pw < window.OutputW; pw++)
                {
                    var columns = PoolingWindow.Of(pw, window.StrideW, window.PadW, window.KernelW, window.Width);
                    // Caffe starts from −FLT_MAX and keeps the first strict maximum; starting from the
                    // window's first element gives the same for finite inputs and lets a NaN through.
                    int best = rows.Start * window.Width + columns.Start;
                    float max = input[best];
                    for (int line = rows.Start * window.Width; line < rows.End * window.Width; line += window.Width)
                    {
                        for (int index = line + columns.Start; index < line + columns.End; index++)
                        {
                            if (input[index] > max)
                            {
                                max = input[index];
                                best = index;
                            }
                        }
                    }
                    output[ph * window.OutputW + pw] = max;
                    mask[ph * window.OutputW + pw] = best;
                }
            }
        });
    }

    public void MaxPoolBackward(BufferView dy, BufferView argmax, int planes, SpatialWindow window, BufferView dx)
    {
        var (dys, dyo) = Storage(dy, (long)planes * window.OutputSize);
        var (ms, mo) = Storage(argmax, (long)planes * window.OutputSize);
        var (dxs, dxo) = Storage(dx, (long)planes * window.InputSize);
        ForPlanes(planes, window.InputSize, plane =>
        {
            var gradient = new ReadOnlySpan<float>(dys, dyo + plane * window.OutputSize, window.OutputSize);
            var mask = new ReadOnlySpan<float>(ms, mo + plane * window.OutputSize, window.OutputSize);
            var target = dxs.AsSpan(dxo + plane * window.InputSize, window.InputSize);
            target.Clear();
            for (int i = 0; i < gradient.Length; i++) target[(int)mask[i]] += gradient[i];
        });
    }

    public void AveragePoolForward(BufferView x, int planes, SpatialWindow window, BufferView y) =>
        AveragePool(x, y, planes, window, backward: false);

    public void AveragePoolBackward(BufferView dy, int planes, SpatialWindow window, BufferView dx) =>
        AveragePool(dy, dx, planes, window, backward: true);

    // One walk over the windows for both directions: forward sums each window of the input into
    // its output, backward spreads each output's gradient back over its window (its adjoint).
    private void AveragePool(BufferView from, BufferView to, int planes, SpatialWindow window, bool backward)
    {
        int fromSize = backward ? window.OutputSize : window.InputSize, toSize = backward ? window.InputSize : window.OutputSize;
        var (fromArray, fromOffset) = Storage(from, (long)planes * fromSize);
        var (toArray, toOffset) = Storage(to, (long)planes * toSize);
        ForPlanes(planes, window.OutputSize * window.KernelSize, plane =>
        {
            var source = new ReadOnlySpan<float>(fromArray, fromOffset + plane * fromSize, fromSize);
            var target = toArray.AsSpan(toOffset + plane * toSize, toSize);
            if (backward) target.Clear();
            for (int ph = 0; ph < window.OutputH; ph++)
            {
                var rows = PoolingWindow.Of(ph, window.StrideH, window.PadH, window.KernelH, window.Height);
                for (int pw = 0; pw < window.OutputW; pw++)
                {
                    var columns = PoolingWindow.Of(pw, window.StrideW, window.PadW, window.KernelW, window.Width);
                    int output = ph * window.OutputW + pw, size = rows.Padded * columns.Padded;
                    float share = backward ? source[output] / size : 0f;
                    float sum = 0f;
                    for (int line = rows.Start * window.Width; line < rows.End * window.Width; line += window.Width)
                    for (int index = line + columns.Start; index < line + columns.End; index++)
                    {
                        if (backward) target[index] += share;
                        else sum += source[index];
                    }
                    if (!backward) target[output] = sum / size;
                }
            }
        });
    }

    /// <summary>
    /// Caffe's pooling window along one axis for output o: the inputs [Start, End) inside the
    /// plane, and AVE's extent, the window clipped to the padded plane only.
    /// </summary>
    private readonly record struct PoolingWindow(int Start, int End, int Padded)
    {
        public static PoolingWindow Of(int o, int stride, int pad, int kernel, int size)
        {
            int start = o * stride - pad;
            int end = Math.Min(start + kernel, size + pad);
            return new PoolingWindow(Math.Max(start, 0), Math.Min(end, size), end - start);
        }
    }

    public void ClippedReluForward(BufferView x, BufferView y, float negativeSlope, float threshold, float maxValue) =>
        Map(S(x), S(x), S(y), new ClippedRelu(negativeSlope, threshold, maxValue));

    public void ClippedReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope, float threshold, float maxValue) =>
        Map(S(x), S(dy), S(dx), new ClippedReluGradient(negativeSlope, threshold, maxValue));

    public void SigmoidForward(BufferView x, BufferView y) => TensorPrimitives.Sigmoid(S(x), S(y));

    public void SigmoidBackward(BufferView y, BufferView dy, BufferView dx) => Map(S(y), S(dy), S(dx), default(SigmoidGradient));

    public void TanhForward(BufferView x, BufferView y) => TensorPrimitives.Tanh(S(x), S(y));

    public void TanhBackward(BufferView y, BufferView dy, BufferView dx) => Map(S(y), S(dy), S(dx), default(TanhGradient));

    public void SoftmaxBackward(int outer, int channels, int inner, BufferView y, BufferView dy, BufferView dx)
    {
        var ys = S(y);
        var dys = S(dy);
        var dxs = S(dx);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var yRow = ys.Slice(o * channels, channels);
                var dxRow = dxs.Slice(o * channels, channels);
                // dx may be dy's own storage (in place): the dot is taken before dx is written.
                float dot = TensorPrimitives.Dot(dys.Slice(o * channels, channels), yRow);
                TensorPrimitives.Subtract(dys.Slice(o * channels, channels), dot, dxRow);
                TensorPrimitives.Multiply(dxRow, yRow, dxRow);
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int start = o * channels * inner + i;
            float dot = 0f;
            for (int c = 0; c < channels; c++) dot += dys[start + c * inner] * ys[start + c * inner];
            for (int c = 0; c < channels; c++) dxs[start + c * inner] = (dys[start + c * inner] - dot) * ys[start + c * inner];
        }
    }

    public void DropoutForward(BufferView x, BufferView y, ulong key, float ratio, float scale)
    {
        var (xs, xo) = Storage(x, x.Length);
        var (ys, yo) = Storage(y, x.Length);
        ForChunks(x.Length, (start, count) =>
        {
            for (int i = start; i < start + count; i++)
                ys[yo + i] = DeterministicSeed.Uniform(key, i) >= ratio ? xs[xo + i] * scale : 0f;
        });
    }

    public void DropoutBackward(BufferView dy, BufferView dx, ulong key, float ratio, float scale) =>
        DropoutForward(dy, dx, key, ratio, scale);

    public (float LossSum, int Valid) SigmoidCrossEntropy(BufferView x, BufferView targets, int? ignoreLabel)
    {
        var xs = S(x);
        var ts = S(targets);
        float loss = 0f;
        int valid = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            if ((int)ts[i] == ignoreLabel) continue;
            float v = xs[i];
            float positive = v >= 0f ? 1f : 0f;
            loss -= v * (ts[i] - positive) - MathF.Log(1f + MathF.Exp(v - 2f * v * positive));
            valid++;
        }
        return (loss, valid);
    }

    public void SigmoidCrossEntropyBackward(BufferView sigmoid, BufferView targets, int? ignoreLabel, float scale, BufferView dx)
    {
        var ts = S(targets);
        var d = S(dx);
        TensorPrimitives.Subtract(S(sigmoid), ts, d);
        if (ignoreLabel is { } ignored)
            for (int i = 0; i < d.Length; i++)
                if ((int)ts[i] == ignored) d[i] = 0f;
        TensorPrimitives.Multiply(d, scale, d);
    }

    public float SumOfMagnitudes(BufferView x) => TensorPrimitives.SumOfMagnitudes(S(x));

    public void ScaledSign(BufferView x, float scale, BufferView y)
    {
        var xs = S(x);
        var ys = S(y);
        for (int i = 0; i < xs.Length; i++)
            ys[i] = xs[i] > 0f ? scale : xs[i] < 0f ? -scale : 0f;
    }

    public float BinaryCrossEntropy(BufferView probabilities, BufferView targets, float epsilon)
    {
        var ps = S(probabilities);
        var ts = S(targets);
        float loss = 0f;
        for (int i = 0; i < ps.Length; i++)
        {
            float p = Math.Clamp(ps[i], epsilon, 1f - epsilon);
            loss -= ts[i] * MathF.Log(p) + (1f - ts[i]) * MathF.Log(1f - p);
        }
        return loss;
    }

    public void BinaryCrossEntropyBackward(BufferView probabilities, BufferView targets, float epsilon, float scale, BufferView dx)
    {
        var ps = S(probabilities);
        var ts = S(targets);
        var d = S(dx);
        for (int i = 0; i < ps.Length; i++)
        {
            float p = ps[i];
            d[i] = p >= epsilon && p <= 1f - epsilon ? scale * ((1f - ts[i]) / (1f - p) - ts[i] / p) : 0f;
        }
    }

    public int BinaryAccuracyCount(BufferView probabilities, BufferView targets, float threshold)
    {
        var ps = S(probabilities);
        var ts = S(targets);
        int correct = 0;
        for (int i = 0; i < ps.Length; i++)
            if ((ps[i] > threshold ? 1f : 0f) == ts[i]) correct++;
        return correct;
    }

    public void EltwiseMaxForward(BufferView x, int index, BufferView y, BufferView argmax)
    {
        var xs = S(x);
        var ys = S(y);
        var ms = S(argmax);
        if (index == 0)
        {
            xs.CopyTo(ys);
            ms.Clear();
            return;
        }
        for (int i = 0; i < xs.Length; i++)
        {
            bool takes = index == 1 ? !(ys[i] > xs[i]) : xs[i] > ys[i];
            if (!takes) continue;
            ys[i] = xs[i];
            ms[i] = index;
        }
    }

    public void EltwiseMaxBackward(BufferView dy, BufferView argmax, int index, BufferView dx)
    {
        var dys = S(dy);
        var ms = S(argmax);
        var dxs = S(dx);
        for (int i = 0; i < dys.Length; i++) dxs[i] = ms[i] == index ? dys[i] : 0f;
    }

    // The kernels below hand arrays and offsets to parallel loops (a lambda cannot hold a span).
    private static (float[] Array, int Offset) Storage(BufferView v, long required)
    {
        if (v.Length < required)
            throw new ArgumentException($"a view of {v.Length} floats is shorter than the {required} this operation needs");
        return (((CpuBuffer)v.Buffer).Array, v.Offset);
    }

    // Planes are independent (no sum crosses two of them), so any thread count gives the same bits.
    private void ForPlanes(int planes, long workPerPlane, Action<int> plane)
    {
        if (planes == 1 || _parallel.MaxDegreeOfParallelism == 1 || planes * workPerPlane < MinParallelWork)
        {
            for (int p = 0; p < planes; p++) plane(p);
            return;
        }
        Parallel.For(0, planes, _parallel, plane);
    }

    /// <summary>An elementwise function of two inputs, in SIMD and scalar form with the same operations, so both give the same bits.</summary>
    private interface IElementwise
    {
        Vector<float> Apply(Vector<float> a, Vector<float> b);

        float Apply(float a, float b);
    }

    // Generic over a struct: each operation gets its own compiled loop, with no call per element.
    private static void Map<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, TOp op) where TOp : struct, IElementwise
    {
        if (a.Length != b.Length || a.Length != y.Length)
            throw new ArgumentException($"elementwise operands of {a.Length}, {b.Length} and {y.Length} floats");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
                op.Apply(new Vector<float>(a[i..]), new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < a.Length; i++) y[i] = op.Apply(a[i], b[i]);
    }

    /// <summary>Keras' relu(x, alpha, max_value, threshold); b is unused.</summary>
    private readonly struct ClippedRelu(float slope, float threshold, float maxValue) : IElementwise
    {
        public Vector<float> Apply(Vector<float> x, Vector<float> b)
        {
            var t = new Vector<float>(threshold);
            var kept = Vector.Min(Vector.ConditionalSelect(Vector.GreaterThan(x, t), x, Vector<float>.Zero), new Vector<float>(maxValue));
            // Keras adds the negative part only for a non-zero slope (0·∞ would be NaN).
            return slope == 0f ? kept : kept - new Vector<float>(slope) * Vector.Max(t - x, Vector<float>.Zero);
        }

        public float Apply(float x, float b)
        {
            float kept = MathF.Min(x > threshold ? x : 0f, maxValue);
            return slope == 0f ? kept : kept - slope * MathF.Max(threshold - x, 0f);
        }
    }

    /// <summary>dy·f′(x): a = x, b = dy.</summary>
    private readonly struct ClippedReluGradient(float slope, float threshold, float maxValue) : IElementwise
    {
        public Vector<float> Apply(Vector<float> x, Vector<float> dy) => Vector.ConditionalSelect(
            Vector.GreaterThan(x, new Vector<float>(threshold)),
            Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(maxValue)), dy, Vector<float>.Zero),
            dy * new Vector<float>(slope));

        public float Apply(float x, float dy) => x > threshold ? (x < maxValue ? dy : 0f) : dy * slope;
    }

    /// <summary>dy·y·(1 − y): a = y, b = dy (Caffe's order of the products).</summary>
    private readonly struct SigmoidGradient : IElementwise
    {
        public Vector<float> Apply(Vector<float> y, Vector<float> dy) => dy * y * (Vector<float>.One - y);

        public float Apply(float y, float dy) => dy * y * (1f - y);
    }

    /// <summary>dy·(1 − y²): a = y, b = dy.</summary>
    private readonly struct TanhGradient : IElementwise
    {
        public Vector<float> Apply(Vector<float> y, Vector<float> dy) => dy * (Vector<float>.One - y * y);

        public float Apply(float y, float dy) => dy * (1f - y * y);
    }
}
