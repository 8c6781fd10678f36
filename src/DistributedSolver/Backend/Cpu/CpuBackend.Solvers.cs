using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DistributedSolver.Backend.Cpu;

// The solver kernels. Each update rule is a struct whose Apply steps one vector of elements; one
// generic driver, specialized by the JIT per rule and regularization (so nothing per element is a
// virtual call), loads the weights, gradient and history, forms d = scale·g + decay·R(w), applies
// the rule and stores the results, in chunks spread over the threads. A buffer's tail goes through
// the same vector code on a zero-padded copy, so every element gets exactly the same operations
// wherever a chunk or a vector starts. The JIT does not contract a·b + c into a fused multiply-add,
// and square root and division are correctly rounded, so the rules below round as written.
public sealed partial class CpuBackend
{
    public void SgdUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate) =>
        Update(new Sgd(momentum, rate), d, weights, gradient, history);

    public void NesterovUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate) =>
        Update(new Nesterov(momentum, rate), d, weights, gradient, history);

    // AdaGrad is RMSProp's pass with the history kept whole: h·1 + d²·1 is h + d² to the bit.
    public void AdaGradUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float delta, bool deltaUnderRoot, float rate) =>
        Update(new Adaptive(1f, 1f, delta, deltaUnderRoot, rate), d, weights, gradient, history);

    public void RmsPropUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float rmsDecay, float delta, bool deltaUnderRoot, float rate) =>
        Update(new Adaptive(rmsDecay, 1f - rmsDecay, delta, deltaUnderRoot, rate), d, weights, gradient, history);

    public void AdaDeltaUpdate(BufferView weights, BufferView gradient, BufferView gradientHistory, BufferView updateHistory,
        RegularizedGradient d, float momentum, float delta, float rate) =>
        Update(new AdaDelta(momentum, delta, rate), d, weights, gradient, gradientHistory, updateHistory);

    public void AdamUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate) =>
        Update(new Adam(new AdamCore(beta1, beta2, epsilon, correctedRate)), d, weights, gradient, mean, variance);

    public void AmsGradUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance, BufferView maxVariance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate) =>
        Update(new AmsGrad(new AdamCore(beta1, beta2, epsilon, correctedRate)), d, weights, gradient, mean, variance, maxVariance);

    private void Update<TRule>(TRule rule, RegularizedGradient d, BufferView weights, BufferView gradient,
        params ReadOnlySpan<BufferView> histories) where TRule : struct, IRule
    {
        int length = weights.Length;
        if (gradient.Length != length)
            throw new ArgumentException($"gradient of {gradient.Length} values for {length} weights", nameof(gradient));
        foreach (var history in histories)
            if (history.Length != length)
                throw new ArgumentException($"history of {history.Length} values for {length} weights", nameof(histories));
        var h = histories.ToArray();
        Spans Part(int start, int count) => new(
            S(weights).Slice(start, count), S(gradient).Slice(start, count),
            h.Length > 0 ? S(h[0]).Slice(start, count) : default,
            h.Length > 1 ? S(h[1]).Slice(start, count) : default,
            h.Length > 2 ? S(h[2]).Slice(start, count) : default);
        ForChunks(length, d.Regularization switch
        {
            Regularization.L2 => (start, count) => Chunk<TRule, L2>(rule, d, Part(start, count)),
            Regularization.L1 => (start, count) => Chunk<TRule, L1>(rule, d, Part(start, count)),
            var other => throw new ArgumentOutOfRangeException(nameof(d), $"unknown regularization {other}"),
        });
    }

    private static void Chunk<TRule, TRegularizer>(TRule rule, RegularizedGradient d, Spans s)
        where TRule : struct, IRule where TRegularizer : struct, IRegularizer
    {
        var scale = new Vector<float>(d.Scale);
        var decay = new Vector<float>(d.Decay);
        int width = Vector<float>.Count;
        int body = s.W.Length - s.W.Length % width;
        for (int i = 0; i < body; i += width)
            Step<TRule, TRegularizer>(rule, scale, decay, s, (nuint)i);
        if (body == s.W.Length) return;

        var tail = s.From(body);
        var padded = tail.PaddedCopy(stackalloc float[5 * width], width);
        Step<TRule, TRegularizer>(rule, scale, decay, padded, 0);
        padded.CopyResultsTo(tail);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TRule, TRegularizer>(in TRule rule, Vector<float> scale, Vector<float> decay, in Spans s, nuint i)
        where TRule : struct, IRule where TRegularizer : struct, IRegularizer
    {
        var w = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s.W), i);
        var d = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s.G), i) * scale + TRegularizer.Term(w) * decay;
        Vector<float> h0 = default, h1 = default, h2 = default;
        if (TRule.Sets > 0) h0 = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s.H0), i);
        if (TRule.Sets > 1) h1 = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s.H1), i);
        if (TRule.Sets > 2) h2 = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s.H2), i);
        rule.Apply(ref w, d, ref h0, ref h1, ref h2);
        w.StoreUnsafe(ref MemoryMarshal.GetReference(s.W), i);
        if (TRule.Sets > 0) h0.StoreUnsafe(ref MemoryMarshal.GetReference(s.H0), i);
        if (TRule.Sets > 1) h1.StoreUnsafe(ref MemoryMarshal.GetReference(s.H1), i);
        if (TRule.Sets > 2) h2.StoreUnsafe(ref MemoryMarshal.GetReference(s.H2), i);
    }

    /// <summary>One chunk's weights, gradient and up to three history buffers (empty when the rule keeps fewer).</summary>
    private readonly ref struct Spans(Span<float> w, ReadOnlySpan<float> g, Span<float> h0, Span<float> h1, Span<float> h2)
    {
        public Span<float> W { get; } = w;
        public ReadOnlySpan<float> G { get; } = g;
        public Span<float> H0 { get; } = h0;
        public Span<float> H1 { get; } = h1;
        public Span<float> H2 { get; } = h2;

        public Spans From(int start) => new(W[start..], G[start..], Cut(H0, start), Cut(H1, start), Cut(H2, start));

        private static Span<float> Cut(Span<float> x, int start) => x.IsEmpty ? x : x[start..];

        /// <summary>This tail copied into five zero-filled slots of <paramref name="width"/> floats cut from <paramref name="pad"/>.</summary>
        public Spans PaddedCopy(Span<float> pad, int width)
        {
            var w = pad[..width];
            var g = pad.Slice(width, width);
            var h0 = pad.Slice(2 * width, width);
            var h1 = pad.Slice(3 * width, width);
            var h2 = pad.Slice(4 * width, width);
            W.CopyTo(w);
            G.CopyTo(g);
            H0.CopyTo(h0);
            H1.CopyTo(h1);
            H2.CopyTo(h2);
            return new Spans(w, g, h0, h1, h2);
        }

        /// <summary>Writes the first elements of this padded copy's weights and history back to <paramref name="tail"/>.</summary>
        public void CopyResultsTo(Spans tail)
        {
            W[..tail.W.Length].CopyTo(tail.W);
            if (!tail.H0.IsEmpty) H0[..tail.H0.Length].CopyTo(tail.H0);
            if (!tail.H1.IsEmpty) H1[..tail.H1.Length].CopyTo(tail.H1);
            if (!tail.H2.IsEmpty) H2[..tail.H2.Length].CopyTo(tail.H2);
        }
    }

    /// <summary>R(w), the term weight_decay multiplies.</summary>
    private interface IRegularizer
    {
        static abstract Vector<float> Term(Vector<float> w);
    }

    private readonly struct L2 : IRegularizer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Term(Vector<float> w) => w;
    }

    // Caffe's caffe_cpu_sign: (0 < w) − (w < 0). The comparisons give −1 (all bits set) where true.
    private readonly struct L1 : IRegularizer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Term(Vector<float> w) =>
            Vector.ConvertToSingle(Vector.LessThan(w, Vector<float>.Zero) - Vector.GreaterThan(w, Vector<float>.Zero));
    }

    /// <summary>An update rule over one vector of elements: weights, d, and the rule's <see cref="Sets"/> history vectors.</summary>
    private interface IRule
    {
        static abstract int Sets { get; }

        void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> h0, ref Vector<float> h1, ref Vector<float> h2);
    }

    private readonly struct Sgd(float momentum, float rate) : IRule
    {
        private readonly Vector<float> _momentum = new(momentum);
        private readonly Vector<float> _rate = new(rate);

        public static int Sets => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> h, ref Vector<float> h1, ref Vector<float> h2)
        {
            h = h * _momentum + d * _rate;
            w -= h;
        }
    }

    private readonly struct Nesterov(float momentum, float rate) : IRule
    {
        private readonly Vector<float> _momentum = new(momentum);
        private readonly Vector<float> _rate = new(rate);
        private readonly Vector<float> _onePlusMomentum = new(1f + momentum);
        private readonly Vector<float> _minusMomentum = new(-momentum);

        public static int Sets => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> h, ref Vector<float> h1, ref Vector<float> h2)
        {
            var next = h * _momentum + d * _rate;
            w -= next * _onePlusMomentum + h * _minusMomentum;
            h = next;
        }
    }

    /// <summary>AdaGrad and RMSProp: h = keep·h + gain·d²; w −= rate·(d / root), root = √h + δ or √(h + δ).</summary>
    private readonly struct Adaptive(float keep, float gain, float delta, bool deltaUnderRoot, float rate) : IRule
    {
        private readonly Vector<float> _keep = new(keep);
        private readonly Vector<float> _gain = new(gain);
        private readonly Vector<float> _delta = new(delta);
        private readonly Vector<float> _rate = new(rate);

        public static int Sets => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> h, ref Vector<float> h1, ref Vector<float> h2)
        {
            h = h * _keep + d * d * _gain;
            var root = deltaUnderRoot ? Vector.SquareRoot(h + _delta) : Vector.SquareRoot(h) + _delta;
            w -= _rate * (d / root);
        }
    }

    private readonly struct AdaDelta(float momentum, float delta, float rate) : IRule
    {
        private readonly Vector<float> _momentum = new(momentum);
        private readonly Vector<float> _gain = new(1f - momentum);
        private readonly Vector<float> _delta = new(delta);
        private readonly Vector<float> _rate = new(rate);

        public static int Sets => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> gradients, ref Vector<float> updates, ref Vector<float> h2)
        {
            gradients = gradients * _momentum + d * d * _gain;
            var u = d * Vector.SquareRoot((updates + _delta) / (gradients + _delta));
            updates = updates * _momentum + u * u * _gain;
            w -= _rate * u;
        }
    }

    /// <summary>What Adam and AMSGrad share: the moment updates and the step from m and a second moment.</summary>
    private readonly struct AdamCore(float beta1, float beta2, float epsilon, float correctedRate)
    {
        private readonly Vector<float> _beta1 = new(beta1);
        private readonly Vector<float> _gain1 = new(1f - beta1);
        private readonly Vector<float> _beta2 = new(beta2);
        private readonly Vector<float> _gain2 = new(1f - beta2);
        private readonly Vector<float> _epsilon = new(epsilon);
        private readonly Vector<float> _rate = new(correctedRate);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void UpdateMoments(ref Vector<float> m, ref Vector<float> v, Vector<float> d)
        {
            m = m * _beta1 + d * _gain1;
            v = v * _beta2 + d * d * _gain2;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Step(Vector<float> m, Vector<float> v) => _rate * (m / (Vector.SquareRoot(v) + _epsilon));
    }

    private readonly struct Adam(AdamCore core) : IRule
    {
        public static int Sets => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> m, ref Vector<float> v, ref Vector<float> h2)
        {
            core.UpdateMoments(ref m, ref v, d);
            w -= core.Step(m, v);
        }
    }

    private readonly struct AmsGrad(AdamCore core) : IRule
    {
        public static int Sets => 3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<float> w, Vector<float> d, ref Vector<float> m, ref Vector<float> v, ref Vector<float> vMax)
        {
            core.UpdateMoments(ref m, ref v, d);
            vMax = Vector.Max(vMax, v);
            w -= core.Step(m, vMax);
        }
    }
}
