using System.Globalization;

namespace DistributedSolver.Cli.Launch;

/// <summary>
/// Supervises the processes of a local cluster: starts the coordinator, the others once it is up,
/// and ends the run as the coordinator's exit says. The run ends with the coordinator (or, after a
/// hand-over, the standby): its exit code is the launcher's, and no child outlives the launcher.
/// </summary>
internal sealed class ProcessGroup : IDisposable
{
    /// <summary>The exit code when every worker failed and the coordinator had to be stopped.</summary>
    public const int WorkersFailed = 1;

    private readonly IReadOnlyList<ChildSpec> _specs;
    private readonly LaunchLimits _limits;
    private readonly LaunchConsole _console;
    private readonly List<SupervisedChild> _children = [];
    private readonly TaskCompletionSource<int> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;

    /// <param name="specs">the coordinator first, then at most one standby and the workers, in start order</param>
    public ProcessGroup(IReadOnlyList<ChildSpec> specs, LaunchLimits limits, TextWriter output, TextWriter error)
    {
        if (specs.Count == 0 || specs[0].Role != ChildRole.Coordinator || specs.Count(s => s.Role == ChildRole.Coordinator) != 1)
            throw new ArgumentException("the first child, and only it, must be the coordinator", nameof(specs));
        if (specs.Count(s => s.Role == ChildRole.Standby) > 1)
            throw new ArgumentException("at most one standby", nameof(specs));
        _specs = specs;
        _limits = limits;
        _console = new LaunchConsole(output, error);
        // The last line of defence against orphans: an exit that bypasses Dispose (Environment.Exit).
        AppDomain.CurrentDomain.ProcessExit += KillAll;
    }

    /// <summary>The children started so far.</summary>
    public IReadOnlyList<SupervisedChild> Children
    {
        get
        {
            lock (_children) return [.. _children];
        }
    }

    /// <summary>
    /// Ends the run: SIGTERM to every child, SIGKILL to those still there after
    /// <see cref="LaunchLimits.Stop"/>; <see cref="RunAsync"/> then returns <paramref name="exitCode"/>.
    /// The first call wins.
    /// </summary>
    public void Stop(int exitCode) => _stop.TrySetResult(exitCode);

    /// <summary>Runs the children to the end and returns the launcher's exit code.</summary>
    public async Task<int> RunAsync()
    {
        var coordinator = Start(_specs[0]);
        if (await CoordinatorIsUpAsync(coordinator).ConfigureAwait(false))
            foreach (var spec in _specs.Skip(1)) Start(spec);
        return await SuperviseAsync(coordinator).ConfigureAwait(false);
    }

    private SupervisedChild Start(ChildSpec spec)
    {
        var child = SupervisedChild.Start(spec, _console, _limits.Drain);
        lock (_children) _children.Add(child);
        _console.Launcher($"started {spec.Name} (pid {child.ProcessId}): {string.Join(' ', spec.Arguments.Prepend(spec.FileName))}");
        return child;
    }

    // Waiting for the start line means a coordinator that fails at once (a bad solver, a port in
    // use) leaves no workers behind to clean up.
    private async Task<bool> CoordinatorIsUpAsync(SupervisedChild coordinator)
    {
        if (coordinator.Spec.ReadyMarker is null) return true;
        var timeout = Task.Delay(_limits.Ready);
        var first = await Task.WhenAny(coordinator.Ready, coordinator.Exited, _stop.Task, timeout).ConfigureAwait(false);
        if (first == timeout)
            _console.Launcher($"{coordinator.Name} printed no start line within {Seconds(_limits.Ready)}; starting the others anyway");
        // Whether it printed the line, not which task WhenAny saw first: the line always comes
        // before the exit, but their continuations may run in either order.
        return !_stop.Task.IsCompleted && (coordinator.Ready.IsCompleted || first == timeout);
    }

    private async Task<int> SuperviseAsync(SupervisedChild coordinator)
    {
        var leader = coordinator;
        var running = Children.ToList();
        int workers = running.Count(c => c.Role == ChildRole.Worker);
        var workerCodes = new List<int>();
        while (true)
        {
            var next = await Task.WhenAny(running.Select(c => (Task)c.Exited).Append(_stop.Task)).ConfigureAwait(false);
            if (next == _stop.Task)
            {
                await StopAsync(running).ConfigureAwait(false);
                return _stop.Task.Result;
            }
            var child = running.First(c => c.Exited == next);
            running.Remove(child);
            int code = child.Exited.Result;

            if (child == leader)
            {
                if (code != 0 && running.Find(c => c.Role == ChildRole.Standby) is { } standby)
                {
                    _console.Launcher($"{child.Name} failed; {standby.Name} takes over");
                    leader = standby;
                    continue;
                }
                if (code == 0) await FinishAsync(running).ConfigureAwait(false);
                else await StopAsync(running).ConfigureAwait(false);
                return code;
            }

            if (child.Role == ChildRole.Worker)
            {
                workerCodes.Add(code);
                // Nobody is left to compute and nobody restarts workers: the coordinator would wait for ever.
                if (workerCodes.Count == workers && workerCodes.All(c => c != 0))
                {
                    _console.Launcher($"all {workers} workers failed; stopping the cluster");
                    await StopAsync(running).ConfigureAwait(false);
                    return WorkersFailed;
                }
            }
        }
    }

    // Training is over: the workers are told so and exit on their own; a standby has nothing left
    // to take over.
    private async Task FinishAsync(List<SupervisedChild> running)
    {
        var standby = StopAsync(running.Where(c => c.Role == ChildRole.Standby));
        var workers = running.Where(c => c.Role == ChildRole.Worker && !c.Exited.IsCompleted).ToList();
        if (workers.Count > 0)
        {
            _console.Launcher($"training is over; waiting up to {Seconds(_limits.WorkerExit)} for {Names(workers)} to exit");
            await Task.WhenAny(Task.WhenAll(workers.Select(c => c.Exited)), Task.Delay(_limits.WorkerExit), _stop.Task).ConfigureAwait(false);
            await StopAsync(workers).ConfigureAwait(false);
        }
        await standby.ConfigureAwait(false);
    }

    private async Task StopAsync(IEnumerable<SupervisedChild> children)
    {
        var live = children.Where(c => !c.Exited.IsCompleted).ToList();
        if (live.Count == 0) return;
        _console.Launcher($"stopping {Names(live)}: SIGTERM now, SIGKILL to what is left after {Seconds(_limits.Stop)}");
        foreach (var child in live) child.Terminate();
        await Task.WhenAny(Task.WhenAll(live.Select(c => c.Exited)), Task.Delay(_limits.Stop)).ConfigureAwait(false);
        foreach (var child in live.Where(c => !c.Exited.IsCompleted))
        {
            _console.Launcher($"{child.Name} did not stop within {Seconds(_limits.Stop)}; killing it");
            child.Kill();
        }
        await Task.WhenAll(live.Select(c => c.Exited)).ConfigureAwait(false);
    }

    private static string Names(IEnumerable<SupervisedChild> children) => string.Join(", ", children.Select(c => c.Name));

    private static string Seconds(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.###} s");

    private void KillAll(object? sender, EventArgs e)
    {
        var live = Children.Where(c => !c.HasExited).ToList();
        foreach (var child in live) child.Kill();
        // SIGKILL is not refused; waiting reaps them, so none is left when this returns.
        foreach (var child in live) child.WaitForExit(_limits.Drain);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= KillAll;
        KillAll(this, EventArgs.Empty);
        foreach (var child in Children) child.Dispose();
    }
}
