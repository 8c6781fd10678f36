using System.Net;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Tests.Kit;
using DistributedSolver.Cluster.Training;
using DistributedSolver.Tests.Training;
using Xunit.Abstractions;

namespace DistributedSolver.Cluster.Tests.Operations;

/// <summary>
/// Each node's /healthz, /readyz and /metrics over real HTTP, on a coordinator and a worker
/// training in one process.
/// </summary>
public sealed class OperationsEndpointTests : MultiNodeTest
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-operations-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public OperationsEndpointTests(ITestOutputHelper output) : base(output) =>
        UseSettings(LocalCluster.Fast with { HttpPort = 0 });

    [Fact]
    public async Task MultiNode_readyz_is_503_until_the_worker_holds_weights_and_metrics_show_the_run()
    {
        // Long enough to be still running while the test reads the endpoints.
        var definition = TrainingRuns.Mlp(Path.Combine(_directory, "run"), maxIter: 1_000_000, iterSize: 2);
        var coordinator = Nodes.StartCoordinator();
        coordinator.StartCoordinatorSingleton(CoordinatorActor.Props(TrainingRuns.Coordinator(coordinator.Settings, definition, new RecordingObserver())));
        var worker = Nodes.StartWorker();
        Nodes.AwaitAllUp(TimeSpan.FromSeconds(30));

        var (health, _) = await Get(worker, "/healthz");
        Assert.Equal(HttpStatusCode.OK, health);
        var (before, reason) = await Get(worker, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before);
        Assert.Contains("no weights yet", reason);
        Assert.Equal(HttpStatusCode.OK, (await Get(coordinator, "/readyz")).Status);

        TrainingRuns.StartWorker(worker, definition, "worker-0");
        await AwaitAssertAsync(async () => Assert.Equal(HttpStatusCode.OK, (await Get(worker, "/readyz")).Status),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));

        // The run goes on: wait until the coordinator has counted some iterations and tensor bytes.
        PrometheusText.Sample[] samples = [];
        await AwaitAssertAsync(async () =>
        {
            samples = [.. await Metrics(coordinator)];
            Assert.True(Value(samples, "dsolver_iteration") >= 3);
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Value(samples, "dsolver_live_workers"));
        Assert.True(Value(samples, "dsolver_loss") > 0);
        Assert.True(Value(samples, "dsolver_learning_rate") > 0);
        Assert.True(Value(samples, "dsolver_samples_per_second") > 0);
        Assert.True(Value(samples, "dsolver_data_plane_bytes_total", ("direction", "received")) > 0);
        Assert.True(Value(samples, "dsolver_data_plane_bytes_total", ("direction", "sent")) > 0);
        Assert.Equal(0, Value(samples, "dsolver_units_resent_total"));

        var workerSamples = await Metrics(worker);
        Assert.True(Value(workerSamples, "dsolver_weights_version") >= 0);
        Assert.True(Value(workerSamples, "dsolver_data_plane_bytes_total", ("direction", "sent")) > 0);
    }

    [Fact]
    public void The_Prometheus_reader_refuses_what_the_format_forbids()
    {
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na 1"));          // no final line feed
        Assert.Throws<FormatException>(() => PrometheusText.Parse("a 1\n"));                        // no TYPE
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na one\n"));      // not a value
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a gauge\na{b=c} 1\n"));   // unquoted label value
        Assert.Throws<FormatException>(() => PrometheusText.Parse("# TYPE a meter\na 1\n"));        // unknown type
        var (_, samples) = PrometheusText.Parse("# HELP a x\n# TYPE a counter\na{b=\"q\\\"\",c=\"2\"} 3.5e2\n");
        Assert.Equal(350, samples.Single().Value);
        Assert.Equal("q\"", samples.Single().Labels["b"]);
    }

    private async Task<(HttpStatusCode Status, string Body)> Get(ClusterNode node, string path)
    {
        using var response = await _http.GetAsync(new Uri(node.Operations!.Address, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<IReadOnlyList<PrometheusText.Sample>> Metrics(ClusterNode node)
    {
        using var response = await _http.GetAsync(new Uri(node.Operations!.Address, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync()).Samples;
    }

    private static double Value(IEnumerable<PrometheusText.Sample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Single(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Value;

    protected override void Dispose(bool disposing)
    {
        _http.Dispose();
        base.Dispose(disposing);
        Directory.Delete(_directory, recursive: true);
    }
}
