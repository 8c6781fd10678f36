using DistributedSolver.Backend;
using DistributedSolver.Backend.Cpu;

namespace DistributedSolver.Gpu.Tests;

/// <summary>The same values on both backends: the CPU backend, the reference, and the kernels on ILGPU's CPU accelerator.</summary>
public readonly record struct Operand(BufferView Cpu, BufferView Gpu);

/// <summary>
/// A CPU backend and an ILGPU backend on the CPU accelerator (one context per test class, as a
/// class fixture), and the comparisons the kernel tests make between them.
/// </summary>
public sealed class BackendPair : IDisposable
{
    // Operands start this far into their buffers, so every kernel is tested on views with an offset.
    private const int Offset = 3;

    public CpuBackend Cpu { get; } = new(new CpuBackendOptions { Threads = 1 });

    public IlgpuBackend Gpu { get; } = IlgpuBackend.OpenCpuAccelerator();

    public Operand Put(float[] values) => new(PutOn(Cpu, values), PutOn(Gpu, values));

    public Operand Zeros(int length) => Put(new float[length]);

    private static BufferView PutOn(IComputeBackend backend, float[] values)
    {
        var view = new BufferView(backend.Allocate(values.Length + Offset), Offset, values.Length);
        backend.Upload(values, view);
        return view;
    }

    /// <summary>Runs <paramref name="operation"/> on the CPU backend, then on the kernels; the selector picks each backend's views.</summary>
    public void Run(Action<IComputeBackend, Func<Operand, BufferView>> operation)
    {
        operation(Cpu, o => o.Cpu);
        operation(Gpu, o => o.Gpu);
    }

    /// <summary>Each backend's result of <paramref name="operation"/>, CPU first.</summary>
    public (T Cpu, T Gpu) Both<T>(Func<IComputeBackend, Func<Operand, BufferView>, T> operation) =>
        (operation(Cpu, o => o.Cpu), operation(Gpu, o => o.Gpu));

    public (float[] Cpu, float[] Gpu) Get(Operand operand) => (Read(Cpu, operand.Cpu), Read(Gpu, operand.Gpu));

    private static float[] Read(IComputeBackend backend, BufferView view)
    {
        var values = new float[view.Length];
        backend.Download(view, values);
        return values;
    }

    /// <summary>The kernel gives the CPU backend's bits (NaN payloads aside).</summary>
    public void AssertIdentical(Operand operand)
    {
        var (expected, actual) = Get(operand);
        Tolerance.AssertIdentical(expected, actual);
    }

    public void Dispose()
    {
        Cpu.Dispose();
        Gpu.Dispose();
    }
}
