using ILGPU.Runtime;

namespace DistributedSolver.Gpu;

/// <summary>
/// Kernels compiled once per accelerator, on first use, and kept as launch delegates: a kernel
/// is named by its method and the struct that specializes it (an operation, a term, a rule).
/// Locked: a coordinator's actors may share one backend from several threads.
/// </summary>
internal sealed class KernelCache(Accelerator accelerator)
{
    private readonly Dictionary<(string Kernel, Type? Specialization), Delegate> _loaded = [];
    private readonly Lock _gate = new();

    public TLauncher Get<TLauncher>(string kernel, Type? specialization, Func<Accelerator, TLauncher> load)
        where TLauncher : Delegate
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue((kernel, specialization), out var launcher))
                _loaded[(kernel, specialization)] = launcher = load(accelerator);
            return (TLauncher)launcher;
        }
    }
}
