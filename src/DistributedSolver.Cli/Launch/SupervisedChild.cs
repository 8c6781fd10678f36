using System.Diagnostics;
using System.Text;

namespace DistributedSolver.Cli.Launch;

/// <summary>
/// One running child: its output pumped line by line to the launcher's console with its name, and
/// one task that ends when it has exited and said everything.
/// </summary>
internal sealed class SupervisedChild : IDisposable
{
    private readonly Process _process;
    private readonly LaunchConsole _console;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SupervisedChild(ChildSpec spec, Process process, LaunchConsole console, TimeSpan drain)
    {
        Spec = spec;
        _process = process;
        _console = console;
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, isError: false), PumpAsync(process.StandardError, isError: true));
        Exited = WatchAsync(pumps, drain);
    }

    public ChildSpec Spec { get; }

    public string Name => Spec.Name;

    public ChildRole Role => Spec.Role;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the child prints its <see cref="ChildSpec.ReadyMarker"/>.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The exit code, once the process has exited, its output is written and its exit reported.</summary>
    public Task<int> Exited { get; }

    public static SupervisedChild Start(ChildSpec spec, LaunchConsole console, TimeSpan drain)
    {
        var start = new ProcessStartInfo(spec.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in spec.Arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in spec.Environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        return new SupervisedChild(spec, Process.Start(start)!, console, drain);
    }

    /// <summary>SIGTERM: a node leaves the cluster gracefully, a coordinator snapshots.</summary>
    public void Terminate()
    {
        if (HasExited) return;
        // Windows has no SIGTERM; there the only way to stop a child is to end it.
        if (OperatingSystem.IsWindows()) Kill();
        else Signals.Terminate(_process.Id);
    }

    /// <summary>The child and anything it started, at once.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    private async Task PumpAsync(StreamReader reader, bool isError)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            _console.Child(Name, isError, line);
            if (Spec.ReadyMarker is { } marker && line.Contains(marker, StringComparison.Ordinal)) _ready.TrySetResult();
        }
    }

    private async Task<int> WatchAsync(Task pumps, TimeSpan drain)
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        // A grandchild that inherited the pipes could keep them open for ever; the exit is what counts.
        await Task.WhenAny(pumps, Task.Delay(drain)).ConfigureAwait(false);
        int code = _process.ExitCode;
        _console.Launcher($"{Name} exited with code {code}");
        return code;
    }

    public void Dispose() => _process.Dispose();
}
