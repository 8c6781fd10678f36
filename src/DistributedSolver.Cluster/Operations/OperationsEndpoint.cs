using Akka.Cluster;
using DistributedSolver.Cluster.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace DistributedSolver.Cluster.Operations;

/// <summary>
/// A node's HTTP endpoint for its supervisor (Kubernetes probes, Prometheus): <c>/healthz</c> while
/// the node runs, <c>/readyz</c> once it is an Up member and, on a worker, holds the current
/// weights, and <c>/metrics</c> in Prometheus's text format. It only reports: nothing on it
/// changes the run.
/// </summary>
public sealed class OperationsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OperationsEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where it listens (the bound port when the settings asked for 0).</summary>
    public Uri Address { get; }

    public static async Task<OperationsEndpoint> StartAsync(ClusterNode node, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        string host = node.Settings.BindHost;
        // A bare IPv6 address ("::") goes in brackets in a URL.
        if (host.Contains(':') && !host.StartsWith('[')) host = $"[{host}]";
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        var monitor = NodeMonitor.Get(node.System);
        app.MapGet("/healthz", () => node.System.WhenTerminated.IsCompleted
            ? Results.Text("the node has stopped\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));
        app.MapGet("/readyz", () => NotReady(node, monitor) is { } reason
            ? Results.Text(reason + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n"));
        app.MapMetrics("/metrics", monitor.Registry);
        await app.StartAsync().ConfigureAwait(false);
        // After the start, Urls holds the bound addresses: the real port when 0 was asked for.
        return new OperationsEndpoint(app, new Uri(app.Urls.First()));
    }

    /// <summary>Why the node should get no work yet, or null when it is ready.</summary>
    private static string? NotReady(ClusterNode node, NodeMonitor monitor)
    {
        if (node.System.WhenTerminated.IsCompleted) return "the node has stopped";
        var status = node.Cluster.SelfMember.Status;
        if (status != MemberStatus.Up) return $"not an Up cluster member (status {status})";
        if (node.Settings.Roles.Contains(ClusterRoles.Worker) && monitor.WorkerNotReady is { } reason) return $"worker: {reason}";
        return null;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
