using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Tests.Backend;

/// <summary>
/// The solver kernels' bits do not depend on how a buffer is cut: a whole buffer over one thread,
/// the same over two threads (several chunks), and the buffer updated piece by piece through views
/// of odd lengths at odd offsets (so elements fall in vector bodies, tails and lone tails) give the
/// same weights and history to the bit. The values themselves are checked in the solver tests.
/// </summary>
public sealed class CpuSolverKernelTests
{
    // Over two 32768-float chunks, and not a multiple of any vector width.
    private const int Length = 70001;

    private sealed record Kernel(string Name, int Sets, Action<IComputeBackend, BufferView, BufferView, BufferView[], RegularizedGradient> Run);

    private static readonly Kernel[] Kernels =
    [
        new("SGD", 1, (b, w, g, h, d) => b.SgdUpdate(w, g, h[0], d, 0.9f, 0.01f)),
        new("Nesterov", 1, (b, w, g, h, d) => b.NesterovUpdate(w, g, h[0], d, 0.9f, 0.01f)),
        new("AdaGrad", 1, (b, w, g, h, d) => b.AdaGradUpdate(w, g, h[0], d, 1e-3f, deltaUnderRoot: false, 0.01f)),
        new("AdaGrad under root", 1, (b, w, g, h, d) => b.AdaGradUpdate(w, g, h[0], d, 1e-3f, deltaUnderRoot: true, 0.01f)),
        new("RMSProp", 1, (b, w, g, h, d) => b.RmsPropUpdate(w, g, h[0], d, 0.9f, 1e-3f, deltaUnderRoot: false, 0.01f)),
        new("AdaDelta", 2, (b, w, g, h, d) => b.AdaDeltaUpdate(w, g, h[0], h[1], d, 0.95f, 1e-6f, 1f)),
        new("Adam", 2, (b, w, g, h, d) => b.AdamUpdate(w, g, h[0], h[1], d, 0.9f, 0.999f, 1e-8f, 0.003f)),
        new("AMSGrad", 3, (b, w, g, h, d) => b.AmsGradUpdate(w, g, h[0], h[1], h[2], d, 0.9f, 0.999f, 1e-8f, 0.003f)),
    ];

    public static TheoryData<string, Regularization> Cases()
    {
        var cases = new TheoryData<string, Regularization>();
        foreach (var kernel in Kernels)
        {
            cases.Add(kernel.Name, Regularization.L2);
            cases.Add(kernel.Name, Regularization.L1);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bits_do_not_depend_on_threads_chunks_or_vector_alignment(string name, Regularization regularization)
    {
        var kernel = Kernels.Single(k => k.Name == name);
        var d = new RegularizedGradient(0.5f, 0.01f, regularization);

        int[] OneThread()
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
            return Run(backend, kernel, (w, g, h) => kernel.Run(backend, w, g, h, d));
        }
        int[] TwoThreads()
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = 2 });
            return Run(backend, kernel, (w, g, h) => kernel.Run(backend, w, g, h, d));
        }
        int[] Pieces()
        {
            using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
            return Run(backend, kernel, (w, g, h) =>
            {
                int[] sizes = [1, 3, 17, 5, 33, 64, 7];
                for (int start = 0, k = 0; start < Length; k++)
                {
                    int count = Math.Min(sizes[k % sizes.Length], Length - start);
                    kernel.Run(backend, w.Slice(start, count), g.Slice(start, count), [.. h.Select(x => x.Slice(start, count))], d);
                    start += count;
                }
            });
        }

        var whole = OneThread();
        Assert.Equal(whole, TwoThreads());
        Assert.Equal(whole, Pieces());
    }

    [Fact]
    public void The_gradient_is_left_as_it_was_and_a_wrong_length_is_refused()
    {
        using var backend = new CpuBackend(new CpuBackendOptions { Threads = 1 });
        var w = backend.Allocate(20).View;
        var g = backend.Allocate(20).View;
        var h = new[] { backend.Allocate(20).View, backend.Allocate(20).View, backend.Allocate(20).View };
        float[] gradient = [.. Enumerable.Range(0, 20).Select(i => i - 9.5f)];
        backend.Upload(gradient, g);
        var d = new RegularizedGradient(1f, 0.1f, Regularization.L1);
        foreach (var kernel in Kernels)
        {
            kernel.Run(backend, w, g, h, d);
            var after = new float[20];
            backend.Download(g, after);
            Assert.Equal(gradient, after);
            Assert.Throws<ArgumentException>(() => kernel.Run(backend, w, g.Slice(0, 19), h, d));
            Assert.Throws<ArgumentException>(() => kernel.Run(backend, w, g, [.. h.Select(x => x.Slice(0, 19))], d));
        }
    }

    // Three updates from the same seeded weights, gradient and history; the final weights and
    // history as raw bits.
    private static int[] Run(CpuBackend backend, Kernel kernel, Action<BufferView, BufferView, BufferView[]> update)
    {
        var random = new Random(7);
        float[] Values(double scale) => [.. Enumerable.Range(0, Length).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var w = backend.Allocate(Length).View;
        var g = backend.Allocate(Length).View;
        var h = Enumerable.Range(0, kernel.Sets).Select(_ => backend.Allocate(Length).View).ToArray();
        backend.Upload(Values(2), w);
        // Histories of squares must be ≥ 0; every kernel's history starts from non-negative values here.
        foreach (var x in h) backend.Upload([.. Values(0.02).Select(Math.Abs)], x);
        for (int step = 0; step < 3; step++)
        {
            backend.Upload(Values(1), g);
            update(w, g, h);
        }
        var bits = new List<int>();
        foreach (var view in h.Prepend(w))
        {
            var values = new float[Length];
            backend.Download(view, values);
            bits.AddRange(values.Select(BitConverter.SingleToInt32Bits));
        }
        return [.. bits];
    }
}
