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

    public void Im2Col(BufferView images, int count, int channels, SpatialWindow window, BufferView columns)
    {
        var (image, imageOffset) = Array(images, (long)count * channels * window.InputSize);
        var (column, columnOffset) = Array(columns, (long)channels * window.KernelSize * count * window.OutputSize);
        int rowLength = count * window.OutputSize;
        ForPlanes(count * channels, window.KernelSize * window.OutputSize, plane =>
        {
            int n = plane / channels, c = plane % channels;
            var source = new ReadOnlySpan<float>(image, imageOffset + plane * window.InputSize, window.InputSize);
            for (int tap = 0; tap < window.KernelSize; tap++)
            {
                var row = column.AsSpan(columnOffset + (c * window.KernelSize + tap) * rowLength + n * window.OutputSize, window.OutputSize);
                var run = TapRun.Of(window, tap);
                for (int oh = 0; oh < window.OutputH; oh++)
                {
                    var output = row.Slice(oh * window.OutputW, window.OutputW);
                    int ih = run.InputRow(window, oh);
                    if (ih < 0)
                    {
                        output.Clear();
                        continue;
                    }
                    output[..run.Low].Clear();
                    output[run.High..].Clear();
                    var input = source.Slice(ih * window.Width, window.Width);
                    var inside = output[run.Low..run.High];
                    if (window.StrideW == 1)
                        input.Slice(run.FirstColumn, inside.Length).CopyTo(inside);
                    else
                        for (int k = 0; k < inside.Length; k++) inside[k] = input[run.FirstColumn + k * window.StrideW];
                }
            }
        });
    }

    public void Col2Im(BufferView columns, int count, int channels, SpatialWindow window, BufferView images)
    {
        var (image, imageOffset) = Array(images, (long)count * channels * window.InputSize);
        var (column, columnOffset) = Array(columns, (long)channels * window.KernelSize * count * window.OutputSize);
        int rowLength = count * window.OutputSize;
        ForPlanes(count * channels, window.KernelSize * window.OutputSize, plane =>
        {
            int n = plane / channels, c = plane % channels;
            var target = image.AsSpan(imageOffset + plane * window.InputSize, window.InputSize);
            target.Clear();
            // Taps in order, then output rows in order: each image element adds its terms in one fixed order.
            for (int tap = 0; tap < window.KernelSize; tap++)
            {
                var row = new ReadOnlySpan<float>(column, columnOffset + (c * window.KernelSize + tap) * rowLength + n * window.OutputSize, window.OutputSize);
                var run = TapRun.Of(window, tap);
                for (int oh = 0; oh < window.OutputH; oh++)
                {
                    int ih = run.InputRow(window, oh);
                    if (ih < 0) continue;
                    var values = row.Slice(oh * window.OutputW + run.Low, run.High - run.Low);
                    var imageRow = target.Slice(ih * window.Width, window.Width);
                    if (window.StrideW == 1)
                    {
                        var inside = imageRow.Slice(run.FirstColumn, values.Length);
                        TensorPrimitives.Add(inside, values, inside);
                    }
                    else
                    {
                        for (int k = 0; k < values.Length; k++) imageRow[run.FirstColumn + k * window.StrideW] += values[k];
                    }
                }
            }
        });
    }

    /// <summary>
    /// Where kernel tap (i, j) reads: the output columns [Low, High) whose input column lies inside
    /// the plane, FirstColumn the input column of output Low (the rest read padding), and per
    /// output row the input row.
    /// </summary>
    private readonly record struct TapRun(int Row, int Low, int High, int FirstColumn)
    {
        public static TapRun Of(SpatialWindow w, int tap)
        {
            int i = tap / w.KernelW, j = tap % w.KernelW;
            int column = j * w.DilationW - w.PadW;
            // Outputs ow with 0 ≤ column + ow·StrideW < Width.
            int low = Math.Min(w.OutputW, column >= 0 ? 0 : CeilDiv(-column, w.StrideW));
            int high = Math.Max(low, Math.Min(w.OutputW, column < w.Width ? CeilDiv(w.Width - column, w.StrideW) : 0));
            return new TapRun(i * w.DilationH - w.PadH, low, high, column + low * w.StrideW);
        }

        /// <summary>The input row read by output row <paramref name="oh"/>, or −1 when it is padding or no column is inside.</summary>
        public int InputRow(SpatialWindow w, int oh)
        {
            int ih = oh * w.StrideH + Row;
            return (uint)ih < (uint)w.Height && High > Low ? ih : -1;
        }

        private static int CeilDiv(int a, int b) => (a + b - 1) / b;
    }

    public void MaxPoolForward(BufferView x, int planes, SpatialWindow window, BufferView y, BufferView argmax)
    {
        var (xs, xo) = Array(x, (long)planes * window.InputSize);
        var (ys, yo) = Array(y, (long)planes * window.OutputSize);
        var (ms, mo) = Array(argmax, (long)planes * window.OutputSize);
        ForPlanes(planes, window.OutputSize * window.KernelSize, plane =>
        {
            var input = new ReadOnlySpan<float>(xs, xo + plane * window.InputSize, window.InputSize);
            var output = ys.AsSpan(yo + plane * window.OutputSize, window.OutputSize);
            var mask = ms.AsSpan(mo + plane * window.OutputSize, window.OutputSize);
            for (int ph = 0; ph < window.OutputH; ph++)
            for (int pw = 0; pw < window.OutputW; pw++)
            {
                var (h0, h1, w0, w1, _) = PoolingBounds(window, ph, pw);
                // Caffe starts from −FLT_MAX and keeps the first strict maximum; starting from the
                // window's first element gives the same for finite inputs and lets a NaN through.
                int best = h0 * window.Width + w0;
                float max = input[best];
                for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                {
                    int index = h * window.Width + w;
                    if (input[index] > max)
                    {
                        max = input[index];
                        best = index;
                    }
                }
                output[ph * window.OutputW + pw] = max;
                mask[ph * window.OutputW + pw] = best;
            }
        });
    }

    public void MaxPoolBackward(BufferView dy, BufferView argmax, int planes, SpatialWindow window, BufferView dx)
    {
        var (dys, dyo) = Array(dy, (long)planes * window.OutputSize);
        var (ms, mo) = Array(argmax, (long)planes * window.OutputSize);
        var (dxs, dxo) = Array(dx, (long)planes * window.InputSize);
        ForPlanes(planes, window.InputSize, plane =>
        {
            var gradient = new ReadOnlySpan<float>(dys, dyo + plane * window.OutputSize, window.OutputSize);
            var mask = new ReadOnlySpan<float>(ms, mo + plane * window.OutputSize, window.OutputSize);
            var target = dxs.AsSpan(dxo + plane * window.InputSize, window.InputSize);
            target.Clear();
            for (int i = 0; i < gradient.Length; i++) target[(int)mask[i]] += gradient[i];
        });
    }

    public void AveragePoolForward(BufferView x, int planes, SpatialWindow window, BufferView y)
    {
        var (xs, xo) = Array(x, (long)planes * window.InputSize);
        var (ys, yo) = Array(y, (long)planes * window.OutputSize);
        ForPlanes(planes, window.OutputSize * window.KernelSize, plane =>
        {
            var input = new ReadOnlySpan<float>(xs, xo + plane * window.InputSize, window.InputSize);
            var output = ys.AsSpan(yo + plane * window.OutputSize, window.OutputSize);
            for (int ph = 0; ph < window.OutputH; ph++)
            for (int pw = 0; pw < window.OutputW; pw++)
            {
                var (h0, h1, w0, w1, size) = PoolingBounds(window, ph, pw);
                float sum = 0f;
                for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                    sum += input[h * window.Width + w];
                output[ph * window.OutputW + pw] = sum / size;
            }
        });
    }

    public void AveragePoolBackward(BufferView dy, int planes, SpatialWindow window, BufferView dx)
    {
        var (dys, dyo) = Array(dy, (long)planes * window.OutputSize);
        var (dxs, dxo) = Array(dx, (long)planes * window.InputSize);
        ForPlanes(planes, window.OutputSize * window.KernelSize, plane =>
        {
            var gradient = new ReadOnlySpan<float>(dys, dyo + plane * window.OutputSize, window.OutputSize);
            var target = dxs.AsSpan(dxo + plane * window.InputSize, window.InputSize);
            target.Clear();
            for (int ph = 0; ph < window.OutputH; ph++)
            for (int pw = 0; pw < window.OutputW; pw++)
            {
                var (h0, h1, w0, w1, size) = PoolingBounds(window, ph, pw);
                float share = gradient[ph * window.OutputW + pw] / size;
                for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++)
                    target[h * window.Width + w] += share;
            }
        });
    }

    /// <summary>
    /// Caffe's pooling window of output (ph, pw): its rows and columns inside the plane, and AVE's
    /// divisor, the window clipped to the padded plane only.
    /// </summary>
    private static (int H0, int H1, int W0, int W1, int Size) PoolingBounds(SpatialWindow w, int ph, int pw)
    {
        int h0 = ph * w.StrideH - w.PadH, w0 = pw * w.StrideW - w.PadW;
        int h1 = Math.Min(h0 + w.KernelH, w.Height + w.PadH), w1 = Math.Min(w0 + w.KernelW, w.Width + w.PadW);
        int size = (h1 - h0) * (w1 - w0);
        return (Math.Max(h0, 0), Math.Min(h1, w.Height), Math.Max(w0, 0), Math.Min(w1, w.Width), size);
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
        var (xs, xo) = Array(x, x.Length);
        var (ys, yo) = Array(y, x.Length);
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

    private static (float[] Array, int Offset) Array(BufferView v, long required)
    {
        if (v.Length < required)
            throw new ArgumentException($"a view of {v.Length} floats is shorter than the {required} this operation needs");
        return Array(v);
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
