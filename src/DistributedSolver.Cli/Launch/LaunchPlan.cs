using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DistributedSolver.Backend.Cpu;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cli.Launch;

/// <summary>What <c>dsolver launch</c> was asked for.</summary>
internal sealed record LaunchRequest(string SolverPath, int Workers, bool Standby, int? Port, int? Threads, GemmProvider? Gemm, int? BucketKb = null, string? Device = null);

/// <summary>
/// The command lines of a local cluster on 127.0.0.1: a coordinator that founds the cluster, an
/// optional standby seeded with it, and the workers seeded with both, all sharing one cluster token.
/// </summary>
internal static class LaunchPlan
{
    public const string Host = "127.0.0.1";

    /// <summary>Part of the line a node prints once it is up (<c>node akka.tcp://… with roles [coordinator]</c>).</summary>
    public const string NodeStartLine = " with roles [";

    // The launcher chooses the addresses. An inherited DSOLVER_SEEDS would make the founding
    // coordinator join another cluster; an inherited DSOLVER_PUBLIC_HOST would make nodes advertise
    // a name the seeds are not spelled as (Akka never joins another spelling).
    private static readonly string[] AddressVariables =
    [
        NodeSettings.Variables.BindHost, NodeSettings.Variables.PublicHost, NodeSettings.Variables.Port,
        NodeSettings.Variables.Seeds, NodeSettings.Variables.DataPlanePort,
    ];

    /// <param name="freePorts">distinct free TCP ports on 127.0.0.1, as many as asked for</param>
    public static IReadOnlyList<ChildSpec> Create(LaunchRequest request, DsolverExecutable dsolver, string clusterToken, Func<int, IReadOnlyList<int>> freePorts)
    {
        var ports = new Queue<int>(freePorts((request.Port is null ? 1 : 0) + 1 + (request.Standby ? 2 : 0)));
        var environment = AddressVariables.ToDictionary(v => v, string? (_) => null);
        environment[NodeSettings.Variables.ClusterToken] = clusterToken;

        ChildSpec Child(string name, ChildRole role, IEnumerable<string> arguments) =>
            new(name, role, dsolver.FileName, [.. dsolver.LeadingArguments, .. arguments]) { Environment = environment };

        int coordinatorPort = request.Port ?? ports.Dequeue();
        var seeds = new List<string> { Seed(coordinatorPort) };
        var children = new List<ChildSpec>
        {
            // No seed: the first coordinator founds the cluster. Both coordinators wait for every
            // worker before the first iteration, so no iteration runs on part of the cluster.
            Child("coordinator", ChildRole.Coordinator, ["coordinator", "--solver", request.SolverPath,
                "--port", Text(coordinatorPort), "--data-port", Text(ports.Dequeue()), "--min-workers", Text(request.Workers), .. Buckets(request), .. DeviceArguments(request)]) with { ReadyMarker = NodeStartLine },
        };
        if (request.Standby)
        {
            int standbyPort = ports.Dequeue();
            children.Add(Child("standby", ChildRole.Standby, ["coordinator", "--solver", request.SolverPath,
                "--port", Text(standbyPort), "--data-port", Text(ports.Dequeue()), "--min-workers", Text(request.Workers), "--seed", seeds[0], .. Buckets(request), .. DeviceArguments(request)]));
            seeds.Add(Seed(standbyPort));
        }
        for (int i = 1; i <= request.Workers; i++)
        {
            var arguments = new List<string> { "worker", "--solver", request.SolverPath };
            // Both coordinators: a worker that (re)joins after a hand-over still finds the cluster.
            foreach (var seed in seeds) arguments.AddRange(["--seed", seed]);
            arguments.AddRange(["--id", $"worker-{i}", "--port", "0", "--data-port", "0"]);
            if (request.Threads is { } threads) arguments.AddRange(["--threads", Text(threads)]);
            if (request.Gemm is { } gemm) arguments.AddRange(["--gemm", gemm.ToString()]);
            arguments.AddRange(DeviceArguments(request));
            children.Add(Child($"worker-{i}", ChildRole.Worker, arguments));
        }
        return children;
    }

    private static string[] Buckets(LaunchRequest request) => request.BucketKb is { } kb ? ["--bucket-kb", Text(kb)] : [];

    // Every node gets the device choice: the coordinator's parameter server applies the solver updates.
    private static string[] DeviceArguments(LaunchRequest request) => request.Device is { } device ? ["--device", device] : [];

    /// <summary>The inherited token when one is set (nodes outside the launcher may share it), else a fresh random one.</summary>
    public static string ClusterToken(string? inherited) =>
        string.IsNullOrWhiteSpace(inherited) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) : inherited;

    /// <summary>
    /// Ports the system hands out, all held open until every one is picked so they are distinct. Another
    /// process may still take one before the child binds it; the child then fails and its exit is reported.
    /// </summary>
    public static IReadOnlyList<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Dispose();
        }
    }

    private static string Seed(int port) => $"{Host}:{Text(port)}";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
