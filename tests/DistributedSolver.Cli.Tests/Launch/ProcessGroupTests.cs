using System.Diagnostics;
using System.Text.RegularExpressions;
using DistributedSolver.Cli.Launch;

namespace DistributedSolver.Cli.Tests.Launch;

/// <summary>
/// The supervisor of <c>dsolver launch</c>, with small shell programs standing in for the cluster's
/// nodes: what it prints, which exit code wins, and that every child is gone when it returns.
/// </summary>
public sealed class ProcessGroupTests : IDisposable
{
    /// <summary>
    /// Runs until SIGTERM, then says so and exits with <paramref name="code"/>. Short foreground
    /// sleeps, not a background one: a SIGTERM that lands while sh forks a background sleep is lost
    /// to the child before its exec, and the sleep would outlive the test holding the output pipe.
    /// </summary>
    private static string UntilTerm(int code = 0, string up = "echo up") =>
        $"trap 'echo \"got TERM\"; exit {code}' TERM; {up}; while :; do sleep 0.1; done";

    private static readonly TimeSpan RunBound = TimeSpan.FromSeconds(30);

    private readonly RecordingWriter _output = new();
    private readonly RecordingWriter _error = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-launch-").FullName;
    private ProcessGroup? _group;

    public void Dispose()
    {
        _group?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static ChildSpec Sh(string name, ChildRole role, string script) => new(name, role, "/bin/sh", ["-c", script]);

    private static ChildSpec Coordinator(string script) => Sh("coordinator", ChildRole.Coordinator, script) with { ReadyMarker = "up" };

    private Task<int> Run(LaunchLimits limits, params ChildSpec[] children)
    {
        _group = new ProcessGroup(children, limits, _output, _error);
        return _group.RunAsync();
    }

    private Task<int> Run(params ChildSpec[] children) => Run(new LaunchLimits(), children);

    private void AssertAllExited()
    {
        Assert.NotEmpty(_group!.Children);
        Assert.All(_group.Children, c => Assert.True(c.HasExited, $"{c.Name} is still running"));
    }

    [Fact]
    public async Task Every_line_carries_its_childs_name_and_lines_never_mix()
    {
        // Each child writes fast on both streams at once with the others, and one line in two
        // writes apart in time: the launcher must still print whole lines, each with its writer's name.
        static string Chatter(string name) =>
            $"echo up; i=0; while [ $i -lt 300 ]; do echo \"{name} out $i\"; echo \"{name} err $i\" >&2; i=$((i+1)); done; " +
            $"printf '{name} half-'; sleep 0.1; echo 'line'";
        string[] names = ["coordinator", "worker-1", "worker-2"];
        int code = await Run(
            Coordinator(Chatter("coordinator")),
            Sh("worker-1", ChildRole.Worker, Chatter("worker-1")),
            Sh("worker-2", ChildRole.Worker, Chatter("worker-2"))).WaitAsync(RunBound);

        Assert.Equal(0, code);
        foreach (string name in names)
        {
            var stdout = _output.Lines.Where(l => l.StartsWith($"[{name}] ", StringComparison.Ordinal)).ToList();
            var stderr = _error.Lines.Where(l => l.StartsWith($"[{name}] ", StringComparison.Ordinal)).ToList();
            Assert.Equal(
                [$"[{name}] up", .. Enumerable.Range(0, 300).Select(i => $"[{name}] {name} out {i}"), $"[{name}] {name} half-line"],
                stdout);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"[{name}] {name} err {i}"), stderr);
        }
        var childLine = new Regex(@"^\[(coordinator|worker-1|worker-2)\] (up|\1 (out|err) \d+|\1 half-line)$");
        Assert.All(_output.Lines, l => Assert.Matches(childLine, l));
        Assert.All(_error.Lines.Where(l => !l.StartsWith("[launch] ", StringComparison.Ordinal)), l => Assert.Matches(childLine, l));
        AssertAllExited();
    }

    [Fact]
    public async Task The_coordinators_exit_code_is_the_launchers()
    {
        int code = await Run(
            Coordinator("echo up; exit 3"),
            Sh("worker-1", ChildRole.Worker, "exit 0"),
            Sh("worker-2", ChildRole.Worker, "exit 4")).WaitAsync(RunBound);

        Assert.Equal(3, code);
        Assert.Contains("[launch] coordinator exited with code 3", _error.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task A_failed_worker_does_not_fail_a_training_that_completed()
    {
        int code = await Run(
            Coordinator("echo up; exit 0"),
            Sh("worker-1", ChildRole.Worker, "exit 5"),
            Sh("worker-2", ChildRole.Worker, "exit 0")).WaitAsync(RunBound);

        Assert.Equal(0, code);
        Assert.Contains("[launch] worker-1 exited with code 5", _error.Lines);
        Assert.Contains("[launch] worker-2 exited with code 0", _error.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task When_training_is_over_the_standby_is_stopped_and_workers_get_time_to_exit_before_SIGTERM()
    {
        // worker-1 exits on its own once the coordinator is done; worker-2 never does. The
        // coordinator ends only once the standby and worker-2 can take SIGTERM.
        string done = Path.Combine(_directory, "done"), standbyUp = Path.Combine(_directory, "standby-up"), up = Path.Combine(_directory, "worker-2-up");
        int code = await Run(new LaunchLimits { WorkerExit = TimeSpan.FromSeconds(2) },
            Coordinator($"echo up; until [ -e '{up}' ] && [ -e '{standbyUp}' ]; do sleep 0.05; done; touch '{done}'; exit 0"),
            Sh("standby", ChildRole.Standby, UntilTerm(up: $"touch '{standbyUp}'")),
            Sh("worker-1", ChildRole.Worker, $"until [ -e '{done}' ]; do sleep 0.05; done; echo finished; exit 0"),
            Sh("worker-2", ChildRole.Worker, UntilTerm(up: $"touch '{up}'"))).WaitAsync(RunBound);

        Assert.Equal(0, code);
        Assert.Contains("[standby] got TERM", _output.Lines);
        Assert.Contains("[worker-1] finished", _output.Lines);
        Assert.Contains("[worker-2] got TERM", _output.Lines);
        Assert.Contains("[launch] stopping standby: SIGTERM now, SIGKILL to what is left after 30 s", _error.Lines);
        // worker-1 may have exited before the coordinator's exit is handled.
        Assert.Contains(_error.Lines, l => Regex.IsMatch(l, @"^\[launch\] training is over; waiting up to 2 s for (worker-1, )?worker-2 to exit$"));
        Assert.Contains("[launch] stopping worker-2: SIGTERM now, SIGKILL to what is left after 30 s", _error.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task Stop_sends_SIGTERM_to_every_child_and_returns_its_exit_code()
    {
        string[] names = ["coordinator", "standby", "worker-1", "worker-2"];
        var run = Run(
            Coordinator(UntilTerm()),
            Sh("standby", ChildRole.Standby, UntilTerm()),
            Sh("worker-1", ChildRole.Worker, UntilTerm()),
            Sh("worker-2", ChildRole.Worker, UntilTerm()));
        foreach (string name in names) await _output.WaitForLineAsync($"[{name}] up");

        var stopping = Stopwatch.StartNew();
        _group!.Stop(130);
        Assert.Equal(130, await run.WaitAsync(RunBound));

        Assert.True(stopping.Elapsed < new LaunchLimits().Stop, $"took {stopping.Elapsed}");
        foreach (string name in names) Assert.Contains($"[{name}] got TERM", _output.Lines);
        Assert.DoesNotContain(_error.Lines, l => l.Contains("killing", StringComparison.Ordinal));
        AssertAllExited();
    }

    [Fact]
    public async Task A_child_that_ignores_SIGTERM_is_killed_after_the_bound()
    {
        var run = Run(new LaunchLimits { Stop = TimeSpan.FromSeconds(0.5) },
            Coordinator("trap '' TERM; echo up; exec sleep 600"));
        await _output.WaitForLineAsync("[coordinator] up");

        _group!.Stop(130);
        Assert.Equal(130, await run.WaitAsync(RunBound));

        Assert.Contains("[launch] coordinator did not stop within 0.5 s; killing it", _error.Lines);
        Assert.Contains("[launch] coordinator exited with code 137", _error.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task A_crashed_worker_is_reported_by_name_and_the_run_goes_on()
    {
        var run = Run(
            Coordinator(UntilTerm()),
            Sh("worker-1", ChildRole.Worker, UntilTerm()),
            Sh("worker-2", ChildRole.Worker, "echo dying; kill -9 $$"));
        await _error.WaitForLineAsync("[launch] worker-2 exited with code 137");

        Assert.False(run.IsCompleted);
        _group!.Stop(130);
        Assert.Equal(130, await run.WaitAsync(RunBound));
        Assert.Contains("[worker-2] dying", _output.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task When_every_worker_fails_the_coordinator_is_stopped_and_the_run_fails()
    {
        int code = await Run(
            Coordinator(UntilTerm()),
            Sh("worker-1", ChildRole.Worker, "exit 2"),
            Sh("worker-2", ChildRole.Worker, "exit 3")).WaitAsync(RunBound);

        Assert.Equal(ProcessGroup.WorkersFailed, code);
        Assert.Contains("[launch] all 2 workers failed; stopping the cluster", _error.Lines);
        Assert.Contains("[coordinator] got TERM", _output.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task The_standby_takes_over_when_the_coordinator_fails_and_its_exit_code_then_wins()
    {
        var run = Run(
            Coordinator("echo up; exit 5"),
            Sh("standby", ChildRole.Standby, UntilTerm(code: 6)),
            Sh("worker-1", ChildRole.Worker, UntilTerm()));
        await _output.WaitForLineAsync("[standby] up");
        await _error.WaitForLineAsync("[launch] coordinator failed; standby takes over");
        Assert.False(run.IsCompleted);

        // The standby, now in charge, fails too: nobody is left to take over.
        _group!.Children.Single(c => c.Name == "standby").Terminate();
        Assert.Equal(6, await run.WaitAsync(RunBound));
        Assert.Contains("[worker-1] got TERM", _output.Lines);
        AssertAllExited();
    }

    [Fact]
    public async Task A_coordinator_that_fails_before_it_is_up_leaves_nothing_else_started()
    {
        int code = await Run(
            Coordinator("echo 'no such solver' >&2; exit 1"),
            Sh("worker-1", ChildRole.Worker, UntilTerm())).WaitAsync(RunBound);

        Assert.Equal(1, code);
        Assert.Contains("[coordinator] no such solver", _error.Lines);
        Assert.Equal(["coordinator"], _group!.Children.Select(c => c.Name));
        AssertAllExited();
    }

    [Fact]
    public async Task A_coordinator_without_a_start_line_gets_its_workers_after_the_bound()
    {
        var run = Run(new LaunchLimits { Ready = TimeSpan.FromSeconds(0.2) },
            Coordinator(UntilTerm()) with { ReadyMarker = "never printed" },
            Sh("worker-1", ChildRole.Worker, UntilTerm()));
        await _output.WaitForLineAsync("[worker-1] up");

        Assert.Contains("[launch] coordinator printed no start line within 0.2 s; starting the others anyway", _error.Lines);
        _group!.Stop(130);
        Assert.Equal(130, await run.WaitAsync(RunBound));
        AssertAllExited();
    }

    [Fact]
    public async Task Disposing_the_group_kills_every_child_as_a_crashing_launcher_does()
    {
        _ = Run(Coordinator(UntilTerm()), Sh("worker-1", ChildRole.Worker, "trap '' TERM; echo up; exec sleep 600"));
        await _output.WaitForLineAsync("[coordinator] up");
        await _output.WaitForLineAsync("[worker-1] up");
        var ids = _group!.Children.Select(c => c.ProcessId).ToList();

        _group.Dispose();

        Assert.All(ids, id => Assert.Throws<ArgumentException>(() => Process.GetProcessById(id)));
    }
}
