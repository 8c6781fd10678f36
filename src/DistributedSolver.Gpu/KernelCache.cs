using System.Diagnostics;
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

    public int Count
    {
        get
        {
            lock (_gate) return _loaded.Count;
        }
    }

    public TLauncher Get<TLauncher>(string kernel, Type? specialization, Func<Accelerator, TLauncher> load)
        where TLauncher : Delegate
    {
        lock (_gate)
        {
            if (!_loaded.TryGetValue((kernel, specialization), out var launcher))
                _loaded[(kernel, specialization)] = launcher = Load(kernel, specialization, load);
            return (TLauncher)launcher;
        }
    }

    private TLauncher Load<TLauncher>(string kernel, Type? specialization, Func<Accelerator, TLauncher> load)
    {
        // ILGPU writes why the driver refused a module (ptxas's own words) only to Trace.
        using var log = new CompilerLog();
        try
        {
            return load(accelerator);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string name = specialization is null ? kernel : $"{kernel}<{specialization.Name}>";
            string said = log.Text.Length == 0 ? "" : $"; the compiler said: {log.Text}";
            throw new InvalidOperationException($"kernel {name} could not be loaded on {accelerator.Name}: {e.Message}{said}", e);
        }
    }

    /// <summary>
    /// What the creating thread writes to <see cref="Trace"/> while this is registered: ILGPU
    /// compiles on the loading thread, and another accelerator may be loading at the same time.
    /// </summary>
    private sealed class CompilerLog : TraceListener
    {
        private readonly System.Text.StringBuilder _text = new();
        private readonly Lock _gate = new();
        private readonly int _thread = Environment.CurrentManagedThreadId;

        public CompilerLog() => Trace.Listeners.Add(this);

        public string Text
        {
            get
            {
                lock (_gate) return _text.ToString().Trim();
            }
        }

        public override void Write(string? message)
        {
            if (Environment.CurrentManagedThreadId != _thread) return;
            lock (_gate) _text.Append(message);
        }

        public override void WriteLine(string? message)
        {
            if (Environment.CurrentManagedThreadId != _thread) return;
            lock (_gate) _text.Append(message).Append(' ');
        }

        protected override void Dispose(bool disposing)
        {
            Trace.Listeners.Remove(this);
            base.Dispose(disposing);
        }
    }
}
