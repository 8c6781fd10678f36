using System.Numerics.Tensors;

namespace DistributedSolver.Backend.Cpu;

/// <summary>
/// The CPU implementation of the backend primitives: GEMM through <see cref="CpuGemm"/>
/// (OpenBLAS or the managed kernel, tiled so the bits never depend on the thread count) and
/// everything elementwise through TensorPrimitives.
/// </summary>
public sealed partial class CpuBackend : IComputeBackend
{
    // C's FLT_MIN, the floor Caffe puts under a probability before its log.
    private const float FltMin = 1.17549435e-38f;

    private readonly CpuGemm _gemm;
    private readonly ParallelOptions _parallel;

    public CpuBackend() : this(new CpuBackendOptions())
    {
    }

    public CpuBackend(CpuBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _gemm = CpuGemm.Create(options);
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Threads };
    }

    public string Description => $"CPU, GEMM: {_gemm.Description}";

    // TensorPrimitives' elementwise functions follow the vector width.
    public string Arithmetic => $"CPU ({ManagedSgemm.Isa()}), GEMM: {_gemm.Arithmetic}";

    public DeviceBuffer Allocate(int length) => new CpuBuffer(length);

    private static Span<float> S(BufferView v) =>
        ((CpuBuffer)v.Buffer).Array.AsSpan(v.Offset, v.Length);

    public void Upload(ReadOnlySpan<float> source, BufferView destination) => source.CopyTo(S(destination));

    public void Download(BufferView source, Span<float> destination) => S(source).CopyTo(destination);

    public IDisposable? LockPages(byte[] pinned) => null;

    public void Copy(BufferView source, BufferView destination)
    {
        BufferView.RequireDisjoint(source, destination);
        S(source).CopyTo(S(destination));
    }

    public void Fill(BufferView x, float value) => S(x).Fill(value);

    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, BufferView a, BufferView b, float beta, BufferView c)
    {
        int lda = transA == Transpose.No ? k : m;
        int ldb = transB == Transpose.No ? n : k;
        CheckMatrix(a, m, k, nameof(a));
        CheckMatrix(b, k, n, nameof(b));
        CheckMatrix(c, m, n, nameof(c));
        _gemm.Multiply(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k,
            alpha, S(a), lda, S(b), ldb, beta, S(c), n);
    }

    private static void CheckMatrix(BufferView v, int rows, int cols, string name)
    {
        if ((long)rows * cols > v.Length)
            throw new ArgumentException($"{name}: a {rows}×{cols} matrix does not fit a view of {v.Length}", name);
    }

    public void Gemv(Transpose transA, int m, int n, float alpha, BufferView a, BufferView x, float beta, BufferView y)
    {
        // A GEMV is a GEMM with one column: the same tiled, deterministic path.
        if (transA == Transpose.No)
            Gemm(Transpose.No, Transpose.No, m, 1, n, alpha, a, x, beta, y);
        else
            Gemm(Transpose.Yes, Transpose.No, n, 1, m, alpha, a, x, beta, y);
    }

    public void Axpy(float alpha, BufferView x, BufferView y)
    {
        var ys = S(y);
        TensorPrimitives.MultiplyAdd(S(x), alpha, ys, ys);
    }

    public void Axpby(float alpha, BufferView x, float beta, BufferView y)
    {
        var ys = S(y);
        if (beta == 0f)
        {
            // BLAS semantics: with beta 0, y's old values (even NaN) are not read.
            TensorPrimitives.Multiply(S(x), alpha, ys);
            return;
        }
        TensorPrimitives.Multiply(ys, beta, ys);
        TensorPrimitives.MultiplyAdd(S(x), alpha, ys, ys);
    }

    public void Scale(float alpha, BufferView x)
    {
        var xs = S(x);
        TensorPrimitives.Multiply(xs, alpha, xs);
    }

    public void Add(BufferView a, BufferView b, BufferView y) => TensorPrimitives.Add(S(a), S(b), S(y));

    public void Subtract(BufferView a, BufferView b, BufferView y) => TensorPrimitives.Subtract(S(a), S(b), S(y));

    public float Dot(BufferView x, BufferView y) => TensorPrimitives.Dot(S(x), S(y));

    public float SumOfSquares(BufferView x) => TensorPrimitives.SumOfSquares(S(x));

    public float Sum(BufferView x) => TensorPrimitives.Sum(S(x));

    public void ReluForward(BufferView x, BufferView y, float negativeSlope)
    {
        if (negativeSlope == 0f)
        {
            TensorPrimitives.Max(S(x), 0f, S(y));
            return;
        }
        var xs = S(x);
        var ys = S(y);
        for (int i = 0; i < xs.Length; i++)
            ys[i] = xs[i] > 0f ? xs[i] : negativeSlope * xs[i];
    }

    public void ReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope)
    {
        var xs = S(x);
        var dys = S(dy);
        var dxs = S(dx);
        for (int i = 0; i < xs.Length; i++)
            dxs[i] = xs[i] > 0f ? dys[i] : dys[i] * negativeSlope;
    }

    public void SoftmaxForward(int outer, int channels, int inner, BufferView x, BufferView y)
    {
        var xs = S(x);
        var ys = S(y);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                // TensorPrimitives.SoftMax does not subtract the maximum, so exp overflows for logits
                // above ~88; Caffe subtracts it first.
                var row = xs.Slice(o * channels, channels);
                var result = ys.Slice(o * channels, channels);
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), result);
                TensorPrimitives.SoftMax(result, result);
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int baseIndex = o * channels * inner + i;
            float max = float.NegativeInfinity;
            for (int c = 0; c < channels; c++) max = MathF.Max(max, xs[baseIndex + c * inner]);
            float sum = 0f;
            for (int c = 0; c < channels; c++)
            {
                float e = MathF.Exp(xs[baseIndex + c * inner] - max);
                ys[baseIndex + c * inner] = e;
                sum += e;
            }
            for (int c = 0; c < channels; c++) ys[baseIndex + c * inner] /= sum;
        }
    }

    public (float LossSum, int Valid) SoftmaxCrossEntropy(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel)
    {
        var p = S(probabilities);
        var l = S(labels);
        float loss = 0f;
        int valid = 0;
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int label = (int)l[o * inner + i];
            if (label == ignoreLabel) continue;
            CheckLabel(label, channels);
            loss -= MathF.Log(MathF.Max(p[(o * channels + label) * inner + i], FltMin));
            valid++;
        }
        return (loss, valid);
    }

    public void SoftmaxCrossEntropyBackward(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel, float scale, BufferView dx)
    {
        var p = S(probabilities);
        var l = S(labels);
        var d = S(dx);
        p.CopyTo(d);
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int label = (int)l[o * inner + i];
            if (label == ignoreLabel)
            {
                for (int c = 0; c < channels; c++) d[(o * channels + c) * inner + i] = 0f;
                continue;
            }
            CheckLabel(label, channels);
            d[(o * channels + label) * inner + i] -= 1f;
        }
        TensorPrimitives.Multiply(d, scale, d);
    }

    public (int Correct, int Counted) AccuracyCount(int outer, int channels, int inner,
        BufferView scores, BufferView labels, int topK, int? ignoreLabel)
    {
        var s = S(scores);
        var l = S(labels);
        int correct = 0, counted = 0;
        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int label = (int)l[o * inner + i];
            if (label == ignoreLabel) continue;
            CheckLabel(label, channels);
            // Caffe's accuracy_layer.cpp: a hit when fewer than top_k other classes score at least
            // the label's score, so a tie with another class counts against the label. The label's
            // own class is among those counted, hence the start at −1.
            float target = s[(o * channels + label) * inner + i];
            int better = -1;
            for (int c = 0; c < channels && better < topK; c++)
                if (s[(o * channels + c) * inner + i] >= target) better++;
            if (better < topK) correct++;
            counted++;
        }
        return (correct, counted);
    }

    private static void CheckLabel(int label, int channels)
    {
        if (label < 0 || label >= channels)
            throw new InvalidDataException($"label {label} is outside [0, {channels}) of the prediction blob");
    }

    // Elementwise work in fixed chunks over the thread budget: each element is computed alone, so
    // the split cannot change a bit; it only spreads memory traffic over the cores.
    private void ForChunks(int length, Action<int, int> chunk)
    {
        const int ChunkSize = 1 << 15;
        int chunks = (length + ChunkSize - 1) / ChunkSize;
        if (chunks <= 1 || _parallel.MaxDegreeOfParallelism == 1)
        {
            chunk(0, length);
            return;
        }
        Parallel.For(0, chunks, _parallel, c =>
        {
            int start = c * ChunkSize;
            chunk(start, Math.Min(ChunkSize, length - start));
        });
    }

    public void Dispose() => _gemm.Dispose();
}
