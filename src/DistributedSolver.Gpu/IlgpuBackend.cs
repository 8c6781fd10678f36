using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using DistributedSolver.Backend;
using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace DistributedSolver.Gpu;

/// <summary>
/// The backend primitives as ILGPU kernels: on a CUDA GPU (GEMM through cuBLAS), or on ILGPU's CPU
/// accelerator, a simulator that runs the same kernels to test them. One context and accelerator
/// per backend; kernels compiled on first use and cached; buffers allocated by the nets once and
/// reused; everything runs in order on the accelerator's default stream, and only uploads,
/// downloads and reductions (which return a number) wait for it. Any thread may call it (Akka
/// runs actors on a pool): each call binds the accelerator's context to the calling thread, and
/// the shared reduction buffers are used under a lock; operations on distinct buffers may
/// interleave, as on the CPU backend.
/// </summary>
public sealed partial class IlgpuBackend : IComputeBackend
{
    // Reductions add a fixed number of lane partials (see ReductionKernels): fixed, so the bits do
    // not depend on the device.
    private const int ReductionLanes = 1024;

    // Held from a reduction's launch until its partials are read back: they share one set of buffers.
    private readonly Lock _reductionGate = new();

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly KernelCache _kernels;
    private readonly IDeviceGemm _gemm;
    private readonly string _device;
    // The device model and driver, not its index or memory: what its results depend on.
    private readonly string _model;
    // Elementwise kernels walk the data with this many lanes: what the device runs at once.
    private readonly int _lanes;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _partialSums;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _partialCounts;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _partialInvalid;
    private readonly float[] _hostSums = new float[ReductionLanes];
    private readonly int[] _hostCounts = new int[ReductionLanes];
    private readonly int[] _hostInvalid = new int[ReductionLanes];
    private int _buffersAllocated;

    private IlgpuBackend(Context context, Accelerator accelerator, Func<Accelerator, KernelCache, IDeviceGemm> gemm, string device, string model)
    {
        _model = model;
        _context = context;
        _accelerator = accelerator;
        _kernels = new KernelCache(accelerator);
        _gemm = gemm(accelerator, _kernels);
        _device = device;
        _lanes = Math.Max(1, accelerator.MaxNumThreads);
        _partialSums = accelerator.Allocate1D<float>(ReductionLanes);
        _partialCounts = accelerator.Allocate1D<int>(ReductionLanes);
        _partialInvalid = accelerator.Allocate1D<int>(ReductionLanes);
    }

    /// <summary>
    /// CUDA device <paramref name="deviceId"/>, GEMM through cuBLAS (or the tiled kernel where cuBLAS
    /// is missing); false with the reason when the driver or the device is absent.
    /// </summary>
    public static bool TryOpenCuda(int deviceId, [NotNullWhen(true)] out IlgpuBackend? backend, [NotNullWhen(false)] out string? reason)
    {
        backend = null;
        CudaLibraries.Install();
        if (!CudaLibraries.TryLoadDriver(out reason)) return false;
        var context = CreateContext(b => b.Cuda());
        try
        {
            var devices = context.GetCudaDevices();
            if (deviceId < 0 || deviceId >= devices.Count)
            {
                reason = devices.Count == 0
                    ? "the CUDA driver reports no device"
                    : $"there is no device {deviceId}: the CUDA driver reports {devices.Count} (gpu:0 … gpu:{devices.Count - 1})";
                context.Dispose();
                return false;
            }
            var device = devices[deviceId];
            // The driver compiles the PTX for the device: the CUDA version it supports (cuDriverGetVersion)
            // stands for it, as close as ILGPU reports.
            string model = $"{device.Name}, compute capability {device.Architecture?.Major}.{device.Architecture?.Minor}, CUDA driver {device.DriverVersion.Major}.{device.DriverVersion.Minor}";
            try
            {
                backend = new IlgpuBackend(context, device.CreateCudaAccelerator(context), (a, kernels) =>
                    (IDeviceGemm?)CuBlasGemm.TryCreate((CudaAccelerator)a, out string? missing) ?? new TiledGemm(a, kernels, missing),
                    $"CUDA device {deviceId}: {device.Name}, {device.MemorySize / (1L << 20)} MiB, compute capability {device.Architecture?.Major}.{device.Architecture?.Minor}",
                    model);
            }
            catch (Exception e) when (e is AcceleratorException or InvalidOperationException or DllNotFoundException or EntryPointNotFoundException)
            {
                // A device in exclusive mode, out of memory, or refusing the PTX: a reason to train
                // on the CPU backend, as with no device at all, not a crash.
                reason = $"CUDA device {deviceId} ({device.Name}) could not be opened: {e.Message}";
                context.Dispose();
                return false;
            }
            return true;
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ILGPU's CPU accelerator in parallel mode: a simulator for testing the kernels, never for
    /// training. <paramref name="device"/> shapes it (a small one launches fastest); the default
    /// has 4×4 threads per group (4×4 GEMM tiles) on 2 multiprocessors.
    /// </summary>
    public static IlgpuBackend OpenCpuAccelerator(CPUDevice? device = null)
    {
        device ??= new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 2);
        var context = CreateContext(b => b.CPU(device));
        try
        {
            var accelerator = context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel);
            return new IlgpuBackend(context, accelerator, (a, kernels) => new TiledGemm(a, kernels, fallbackReason: null),
                $"ILGPU CPU accelerator (a simulator), {accelerator.MaxNumThreads} threads", "CPU accelerator");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    // O2 and default (IEEE) math: MathMode.Fast would trade the CPU backend's rounding for speed.
    private static Context CreateContext(Action<Context.Builder> devices) =>
        Context.Create(b =>
        {
            devices(b);
            b.EnableAlgorithms().Optimize(OptimizationLevel.O2);
        });

    public string Description => $"ILGPU, {_device}, GEMM: {_gemm.Description}";

    public string Arithmetic => $"ILGPU, {_model}, GEMM: {_gemm.Description}";

    internal IDeviceGemm DeviceGemm => _gemm;

    /// <summary>Device buffers allocated so far, and kernels compiled: both stop growing once a net has run.</summary>
    internal (int Buffers, int Kernels) Allocations => (Volatile.Read(ref _buffersAllocated), _kernels.Count);

    public DeviceBuffer Allocate(int length)
    {
        Bind();
        var buffer = new IlgpuBuffer(_accelerator, length);
        Interlocked.Increment(ref _buffersAllocated);
        return buffer;
    }

    // CUDA keeps the current context per thread; every operation reaches the device through V.
    private void Bind()
    {
        if (Accelerator.Current != _accelerator) _accelerator.Bind();
    }

    private ArrayView<float> V(BufferView v)
    {
        if (v.Buffer is not IlgpuBuffer buffer || buffer.Accelerator != _accelerator)
            throw new ArgumentException("the buffer was not allocated by this backend", nameof(v));
        Bind();
        return buffer.Slice(v.Offset, v.Length);
    }

    public IDisposable? LockPages(byte[] pinned)
    {
        ArgumentNullException.ThrowIfNull(pinned);
        Bind();
        try
        {
            return new PageLock(_accelerator, _accelerator.CreatePageLockFromPinned(pinned));
        }
        catch (Exception e) when (e is NotSupportedException or AcceleratorException)
        {
            // A device that cannot map host memory still copies from the array, through the
            // driver's staging buffers: slower, not wrong.
            return null;
        }
    }

    public void Upload(ReadOnlySpan<float> source, BufferView destination)
    {
        RequireLength(destination, source.Length, nameof(destination));
        if (source.IsEmpty) return;
        V(destination).SubView(0, source.Length).CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    public void Download(BufferView source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"a destination of {destination.Length} floats is shorter than the {source.Length} downloaded", nameof(destination));
        if (source.Length == 0) return;
        V(source).CopyToCPU(ref MemoryMarshal.GetReference(destination), source.Length);
    }

    public void Copy(BufferView source, BufferView destination)
    {
        RequireLength(destination, source.Length, nameof(destination));
        BufferView.RequireDisjoint(source, destination);
        if (source.Length == 0) return;
        V(source).CopyTo(V(destination).SubView(0, source.Length));
    }

    public void Fill(BufferView x, float value) => Map(new FillOp(value), x, x, x);

    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, BufferView a, BufferView b, float beta, BufferView c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        RequireLength(a, (long)m * k, nameof(a));
        RequireLength(b, (long)k * n, nameof(b));
        RequireLength(c, (long)m * n, nameof(c));
        if (m == 0 || n == 0) return;
        var cm = c.Slice(0, m * n);
        if (k == 0 || alpha == 0f)
        {
            // BLAS semantics: op(A)·op(B) is not read at all, so NaN in A or B cannot leak.
            if (beta == 0f) Fill(cm, 0f);
            else Scale(beta, cm);
            return;
        }
        _gemm.Multiply(transA == Transpose.Yes, transB == Transpose.Yes, m, n, k, alpha, V(a), V(b), beta, V(cm));
    }

    public void Gemv(Transpose transA, int m, int n, float alpha, BufferView a, BufferView x, float beta, BufferView y)
    {
        // A GEMV is a GEMM with one column, as on the CPU backend.
        if (transA == Transpose.No)
            Gemm(Transpose.No, Transpose.No, m, 1, n, alpha, a, x, beta, y);
        else
            Gemm(Transpose.Yes, Transpose.No, n, 1, m, alpha, a, x, beta, y);
    }

    public void Axpy(float alpha, BufferView x, BufferView y) => Map(new AxpyOp(alpha), x, y, y);

    public void Axpby(float alpha, BufferView x, float beta, BufferView y)
    {
        // BLAS semantics: with beta 0, y's old values (even NaN) are not read.
        if (beta == 0f) Map(new ScaleOp(alpha), x, x, y);
        else Map(new AxpbyOp(alpha, beta), x, y, y);
    }

    public void Scale(float alpha, BufferView x) => Map(new ScaleOp(alpha), x, x, x);

    public void Add(BufferView a, BufferView b, BufferView y) => Map(default(AddOp), a, b, y);

    public void Subtract(BufferView a, BufferView b, BufferView y) => Map(default(SubtractOp), a, b, y);

    public float Dot(BufferView x, BufferView y) => Reduce(default(DotTerm), x, y).Sum;

    public float SumOfSquares(BufferView x) => Reduce(default(SquareTerm), x, x).Sum;

    public float Sum(BufferView x) => Reduce(default(SumTerm), x, x).Sum;

    public void ReluForward(BufferView x, BufferView y, float negativeSlope)
    {
        if (negativeSlope == 0f) Map(default(ReluOp), x, x, y);
        else Map(new LeakyReluOp(negativeSlope), x, x, y);
    }

    public void ReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope) =>
        Map(new ReluGradientOp(negativeSlope), x, dy, dx);

    /// <summary>y[i] = op(a[i], b[i]) over a's length; b as long as a, y at least as long.</summary>
    private void Map<TOp>(TOp op, BufferView a, BufferView b, BufferView y) where TOp : struct, IElementwise
    {
        if (b.Length != a.Length)
            throw new ArgumentException($"elementwise operands of {a.Length} and {b.Length} floats", nameof(b));
        RequireLength(y, a.Length, nameof(y));
        if (a.Length == 0) return;
        var kernel = _kernels.Get(nameof(ElementwiseKernels.Map), typeof(TOp), static accelerator =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, TOp>(ElementwiseKernels.Map));
        int lanes = Lanes(a.Length);
        kernel(lanes, lanes, V(a), V(b), V(y.Slice(0, a.Length)), op);
    }

    /// <summary>The sum of the term over the counted elements of (a, b), and how many were counted.</summary>
    private (float Sum, int Count) Reduce<TTerm>(TTerm term, BufferView a, BufferView b) where TTerm : struct, IElementTerm
    {
        if (b.Length != a.Length)
            throw new ArgumentException($"reduction operands of {a.Length} and {b.Length} floats", nameof(b));
        if (a.Length == 0) return (0f, 0);
        var kernel = _kernels.Get(nameof(ReductionKernels.Elements), typeof(TTerm), static accelerator =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, TTerm>(ReductionKernels.Elements));
        int lanes = Math.Min(ReductionLanes, a.Length);
        lock (_reductionGate)
        {
            kernel(lanes, lanes, V(a), V(b), _partialSums.View, _partialCounts.View, term);
            var (sum, count, _) = CollectPartials(lanes, withInvalid: false);
            return (sum, count);
        }
    }

    /// <summary>Adds the first <paramref name="lanes"/> partials in lane order on the host (waits for the device).</summary>
    private (float Sum, int Count, int Invalid) CollectPartials(int lanes, bool withInvalid)
    {
        _partialSums.View.SubView(0, lanes).CopyToCPU(ref _hostSums[0], lanes);
        _partialCounts.View.SubView(0, lanes).CopyToCPU(ref _hostCounts[0], lanes);
        if (withInvalid) _partialInvalid.View.SubView(0, lanes).CopyToCPU(ref _hostInvalid[0], lanes);
        float sum = 0f;
        int count = 0, invalid = 0;
        for (int lane = 0; lane < lanes; lane++)
        {
            sum += _hostSums[lane];
            count += _hostCounts[lane];
            if (withInvalid) invalid += _hostInvalid[lane];
        }
        return (sum, count, invalid);
    }

    // Grid-stride lanes for a kernel over this many items; 0 when there is nothing to launch.
    private int Lanes(int work) => Math.Max(0, Math.Min(work, _lanes));

    private TLauncher Kernel<TLauncher>(string kernel, Func<Accelerator, TLauncher> load) where TLauncher : Delegate =>
        _kernels.Get(kernel, null, load);

    private static void RequireLength(BufferView v, long required, string name)
    {
        if (v.Length < required)
            throw new ArgumentException($"a view of {v.Length} floats is shorter than the {required} this operation needs", name);
    }

    public void Dispose()
    {
        // CUDA frees memory in the context current on this thread: an actor may stop on another one.
        _accelerator.Bind();
        (_gemm as IDisposable)?.Dispose();
        _partialSums.Dispose();
        _partialCounts.Dispose();
        _partialInvalid.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
