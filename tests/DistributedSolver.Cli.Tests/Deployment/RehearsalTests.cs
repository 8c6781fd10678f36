using System.Diagnostics;
using System.Text;
using DistributedSolver.Cli.Launch;
using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// Issue 14's rehearsal in CI: <c>deploy/rehearsal.sh</c> with this build's <c>dsolver.dll</c>,
/// 2 coordinators and 3 workers in network namespaces, configured only by the pods' environment.
/// The script runs once (its clean run is what every fault scenario compares with); each test
/// reads its scenario's row. Skipped where network namespaces cannot be created (not root, no
/// iproute2, a container without CAP_NET_ADMIN).
/// </summary>
[Collection(RehearsalCollection.Name)]
public sealed class RehearsalTests(RehearsalRun run)
{
    [NetworkNamespaceFact]
    public void Clean_run_in_namespaces_writes_the_caffemodel_of_dsolver_train() => run.AssertPassed("clean");

    [NetworkNamespaceFact]
    public void Kill_9_of_a_worker_leaves_the_weights_of_the_clean_run() => run.AssertPassed("kill-worker");

    [NetworkNamespaceFact]
    public void A_worker_whose_link_is_cut_is_downed_and_the_weights_are_those_of_the_clean_run() => run.AssertPassed("cut-link");

    [NetworkNamespaceFact]
    public void Kill_9_of_the_active_coordinator_hands_over_and_the_weights_are_those_of_the_clean_run() => run.AssertPassed("kill-coordinator");

    [NetworkNamespaceFact]
    public void Sigterm_to_the_active_coordinator_writes_a_final_snapshot_exits_0_and_the_weights_are_those_of_the_clean_run() =>
        run.AssertPassed("sigterm-coordinator");
}

/// <summary>
/// Alone, not beside this assembly's other tests: five training processes already load a small
/// machine, and a starved process misses heartbeats.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RehearsalCollection : ICollectionFixture<RehearsalRun>
{
    public const string Name = "Rehearsal";
}

/// <summary>One run of <c>deploy/rehearsal.sh</c>, started by the first test that asks for it.</summary>
public sealed class RehearsalRun : IDisposable
{
    // The script takes about 2.5 minutes on the idle 2-core development machine, more beside the
    // other test assemblies; this only stops a hang.
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-rehearsal-").FullName;
    private readonly Lazy<(int ExitCode, string Output, TimeSpan Wall)> _result;
    private bool _keep;

    public RehearsalRun() => _result = new(Run);

    public void AssertPassed(string scenario)
    {
        var (exitCode, output, wall) = _result.Value;
        string resultsPath = Path.Combine(_directory, "results");
        var row = File.Exists(resultsPath)
            ? File.ReadAllLines(resultsPath).Select(l => l.Split('\t')).FirstOrDefault(f => f.Length == 4 && f[0] == scenario)
            : null;
        string Context() => $"rehearsal.sh exited {exitCode} after {wall.TotalSeconds:F0} s; its output (tail):\n{Tail(output, 20000)}";
        if (row is not { } || row[1] != "PASS") _keep = true;
        Assert.True(row is not null, $"no result for {scenario}. {Context()}");
        Assert.True(row[1] == "PASS", $"{scenario}: {row[3]}. Logs and snapshots kept in {_directory}. {Context()}");
    }

    private (int, string, TimeSpan) Run()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(RepoPaths.Root, "deploy", "rehearsal.sh"), "--dsolver", Path.Combine(AppContext.BaseDirectory, "dsolver.dll"), "--out", _directory })
            start.ArgumentList.Add(a);
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Limit))
        {
            // SIGTERM first: the script's trap removes its namespaces and ends its pods.
            Signals.Terminate(process.Id);
            if (!process.WaitForExit(TimeSpan.FromSeconds(30))) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output) output.AppendLine($"rehearsal: stopped by the test after {Limit.TotalMinutes} minutes");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString(), clock.Elapsed);
    }

    private static string Tail(string text, int chars) => text.Length <= chars ? text : "…" + text[^chars..];

    // A failed scenario's logs stay for whoever reads the failure.
    public void Dispose()
    {
        if (_keep) return;
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
