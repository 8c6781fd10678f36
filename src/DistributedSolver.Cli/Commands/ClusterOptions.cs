using System.CommandLine;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cli.Commands;

/// <summary>
/// The flags every cluster command takes. Settings come from the environment (what a pod sets,
/// see <see cref="NodeSettings.Variables"/>) and flags override them.
/// </summary>
internal sealed class ClusterOptions
{
    private readonly Option<string?> _systemName = new("--system-name") { Description = "Akka system name (all nodes of a cluster share it)" };
    private readonly Option<string?> _bindHost = new("--bind-host") { Description = "address to bind, 0.0.0.0 in a pod" };
    private readonly Option<string?> _publicHost = new("--public-host") { Description = "address other nodes reach this one at (the pod's DNS name)" };
    private readonly Option<int?> _port = new("--port") { Description = "Akka.Remote port (0: any free port)" };
    private readonly Option<string[]> _seeds = new("--seed") { Description = "a seed node as host:port (repeatable)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<int?> _dataPort = new("--data-port") { Description = "tensor data-plane port" };
    private readonly Option<int?> _httpPort = new("--http-port") { Description = "port of /healthz, /readyz and /metrics (default: none)" };
    private readonly Option<string?> _tlsCertificate = new("--tls-certificate")
    {
        Description = $"PKCS#12 (.pfx) cluster certificate: TLS on Akka.Remote and the data plane, peers must present the same one ({NodeSettings.Variables.TlsCertificate})",
    };
    // A flag shows up in the process list; the environment variable is the normal way.
    private readonly Option<string?> _tlsPassword = new("--tls-certificate-password")
    {
        Description = $"the certificate's password (prefer {NodeSettings.Variables.TlsCertificatePassword}: flags are visible to other users)",
    };

    public IEnumerable<Option> All => [_systemName, _bindHost, _publicHost, _port, _seeds, _dataPort, _httpPort, _tlsCertificate, _tlsPassword];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Add(option);
    }

    public NodeSettings Settings(ParseResult result, IReadOnlyList<string> roles)
    {
        var s = NodeSettings.FromEnvironment() with { Roles = roles };
        if (result.GetValue(_systemName) is { } name) s = s with { SystemName = name };
        if (result.GetValue(_bindHost) is { } bind) s = s with { BindHost = bind };
        if (result.GetValue(_publicHost) is { } publicHost) s = s with { PublicHost = publicHost };
        if (result.GetValue(_port) is { } port) s = s with { Port = port };
        if (result.GetValue(_seeds) is { Length: > 0 } seeds) s = s with { Seeds = seeds };
        if (result.GetValue(_dataPort) is { } data) s = s with { DataPlanePort = data };
        if (result.GetValue(_httpPort) is { } http) s = s with { HttpPort = http };
        if (result.GetValue(_tlsCertificate) is { } certificate) s = s with { TlsCertificatePath = certificate };
        if (result.GetValue(_tlsPassword) is { } password) s = s with { TlsCertificatePassword = password };
        return s.Validate();
    }
}
