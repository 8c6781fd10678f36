using System.Globalization;

namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// Everything a node needs to join the trainer's cluster. Built in code (tests), from environment
/// variables (pods: <see cref="FromEnvironment"/>), then overridden by CLI flags; turned into HOCON
/// only by <see cref="HoconBuilder"/>, because HOCON cannot read the environment itself.
/// </summary>
public sealed record NodeSettings
{
    public string SystemName { get; init; } = "dsolver";

    /// <summary>The address the Akka transport binds to: 0.0.0.0 in a pod.</summary>
    public string BindHost { get; init; } = "127.0.0.1";

    /// <summary>The address other nodes reach this one at (a pod's DNS name); the bind host when null.</summary>
    public string? PublicHost { get; init; }

    /// <summary>Akka.Remote's port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 4053;

    /// <summary>Seed nodes as host:port, in the spelling their nodes advertise (AKKA-NOTES: another spelling never joins).</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    public IReadOnlyList<string> Roles { get; init; } = [ClusterRoles.Worker];

    /// <summary>The tensor data plane's port; 0 picks a free one.</summary>
    public int DataPlanePort { get; init; } = 4054;

    /// <summary>The shared secret of the data-plane handshake (a Kubernetes Secret in a pod).</summary>
    public string? ClusterToken { get; init; }

    /// <summary>The operations endpoint's port (/healthz, /readyz, /metrics); none when null, since local processes would share one.</summary>
    public int? HttpPort { get; init; }

    /// <summary>
    /// How long a leaving coordinator may take to finish its iteration and write the final
    /// snapshot before the singleton hands over. A pod's termination grace period must be longer.
    /// </summary>
    public TimeSpan HandOverTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The cluster's certificate (PKCS#12 .pfx, a Kubernetes Secret in a pod). Set: Akka.Remote and
    /// the data plane speak TLS with it and accept only peers that present it
    /// (<see cref="ClusterCertificate"/>). Unset (local runs): plain TCP.
    /// </summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The .pfx's password; a secret, like the token.</summary>
    public string? TlsCertificatePassword { get; init; }

    public bool TlsEnabled => TlsCertificatePath is not null;

    // Failure detection and downing. Defaults tolerate a long GC pause of a training process;
    // tests use the tuned values of AKKA-NOTES (500 ms / 1500 ms / 2 s).
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);
    public double FailureThreshold { get; init; } = 8.0;
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Enables Akka.Remote's throttler adapter so tests can blackhole and delay links.</summary>
    public bool FaultInjection { get; init; }

    /// <summary>
    /// Serializes every message, local ones too. Only for serializer tests without cluster
    /// events: Akka's own local cluster events (ReachabilityChanged) cannot be serialized, and the
    /// Split Brain Resolver then never sees a node become unreachable.
    /// </summary>
    public bool SerializeAllMessages { get; init; }

    public string AdvertisedHost => PublicHost ?? BindHost;

    /// <summary>The environment variables a pod sets, by setting.</summary>
    public static class Variables
    {
        public const string SystemName = "DSOLVER_SYSTEM_NAME";
        public const string BindHost = "DSOLVER_BIND_HOST";
        public const string PublicHost = "DSOLVER_PUBLIC_HOST";
        public const string Port = "DSOLVER_PORT";
        public const string Seeds = "DSOLVER_SEEDS";
        public const string Roles = "DSOLVER_ROLES";
        public const string DataPlanePort = "DSOLVER_DATA_PORT";
        public const string ClusterToken = "DSOLVER_CLUSTER_TOKEN";
        public const string HttpPort = "DSOLVER_HTTP_PORT";
        public const string HandOverTimeout = "DSOLVER_HANDOVER_TIMEOUT";
        public const string TlsCertificate = "DSOLVER_TLS_CERTIFICATE";
        public const string TlsCertificatePassword = "DSOLVER_TLS_CERTIFICATE_PASSWORD";
        public const string HeartbeatInterval = "DSOLVER_HEARTBEAT_INTERVAL";
        public const string AcceptableHeartbeatPause = "DSOLVER_ACCEPTABLE_HEARTBEAT_PAUSE";
        public const string StableAfter = "DSOLVER_SBR_STABLE_AFTER";
    }

    /// <summary>These settings with every variable of <paramref name="environment"/> that is set applied over them.</summary>
    public NodeSettings WithEnvironment(IReadOnlyDictionary<string, string?> environment)
    {
        string? Get(string name) => environment.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var s = this;
        if (Get(Variables.SystemName) is { } system) s = s with { SystemName = system };
        if (Get(Variables.BindHost) is { } bind) s = s with { BindHost = bind };
        if (Get(Variables.PublicHost) is { } publicHost) s = s with { PublicHost = publicHost };
        if (Get(Variables.Port) is { } port) s = s with { Port = ParsePort(Variables.Port, port) };
        if (Get(Variables.Seeds) is { } seeds) s = s with { Seeds = ParseList(seeds) };
        if (Get(Variables.Roles) is { } roles) s = s with { Roles = ParseList(roles) };
        if (Get(Variables.DataPlanePort) is { } data) s = s with { DataPlanePort = ParsePort(Variables.DataPlanePort, data) };
        if (Get(Variables.ClusterToken) is { } token) s = s with { ClusterToken = token };
        if (Get(Variables.HttpPort) is { } http) s = s with { HttpPort = ParsePort(Variables.HttpPort, http) };
        if (Get(Variables.HandOverTimeout) is { } handOver) s = s with { HandOverTimeout = ParseDuration(Variables.HandOverTimeout, handOver) };
        if (Get(Variables.TlsCertificate) is { } certificate) s = s with { TlsCertificatePath = certificate };
        // Not trimmed: a password may begin or end with a space.
        if (environment.TryGetValue(Variables.TlsCertificatePassword, out var password) && !string.IsNullOrEmpty(password))
            s = s with { TlsCertificatePassword = password };
        if (Get(Variables.HeartbeatInterval) is { } hb) s = s with { HeartbeatInterval = ParseDuration(Variables.HeartbeatInterval, hb) };
        if (Get(Variables.AcceptableHeartbeatPause) is { } pause) s = s with { AcceptableHeartbeatPause = ParseDuration(Variables.AcceptableHeartbeatPause, pause) };
        if (Get(Variables.StableAfter) is { } stable) s = s with { StableAfter = ParseDuration(Variables.StableAfter, stable) };
        return s;
    }

    public static NodeSettings FromEnvironment() => new NodeSettings().WithEnvironment(
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value));

    /// <summary>Checks every setting and names the first that cannot work.</summary>
    public NodeSettings Validate()
    {
        if (!IsName(SystemName)) throw new NodeSettingsException("system name", $"'{SystemName}' must be letters, digits, '-' or '_'");
        CheckHost("bind host", BindHost);
        if (PublicHost is not null) CheckHost("public host", PublicHost);
        // A wildcard bind cannot be advertised: peers would dial their own 0.0.0.0.
        if (PublicHost is null && BindHost is "0.0.0.0" or "::" or "[::]")
            throw new NodeSettingsException("public host", $"binding {BindHost} needs the address other nodes reach this one at ({Variables.PublicHost} or --public-host)");
        CheckPort("port", Port);
        CheckPort("data-plane port", DataPlanePort);
        if (HttpPort is { } http) CheckPort("HTTP port", http);
        if (HandOverTimeout < TimeSpan.FromSeconds(1)) throw new NodeSettingsException("hand-over timeout", "must be at least 1s");
        foreach (var seed in Seeds) ParseSeed(seed);
        foreach (var role in Roles)
            if (!ClusterRoles.All.Contains(role))
                throw new NodeSettingsException("roles", $"unknown role '{role}' (known: {string.Join(", ", ClusterRoles.All)})");
        if (HeartbeatInterval < TimeSpan.FromMilliseconds(1) || AcceptableHeartbeatPause < TimeSpan.FromMilliseconds(1) || StableAfter < TimeSpan.FromMilliseconds(1))
            throw new NodeSettingsException("failure detector", "heartbeat interval, acceptable pause and stable-after must be at least 1ms");
        if (FailureThreshold <= 0) throw new NodeSettingsException("failure detector", "threshold must be positive");
        if (TlsCertificatePath is not null) LoadTlsCertificate().Dispose();
        else if (TlsCertificatePassword is not null)
            throw new NodeSettingsException("TLS certificate", $"a password is set but no certificate ({Variables.TlsCertificate} or --tls-certificate)");
        return this;
    }

    /// <summary>The cluster certificate, loaded; the caller disposes it. Throws naming the file when it cannot serve.</summary>
    public ClusterCertificate LoadTlsCertificate() =>
        ClusterCertificate.Load(TlsCertificatePath ?? throw new InvalidOperationException("TLS is off: no certificate is set"), TlsCertificatePassword);

    /// <summary>A seed's host (IPv6 kept in brackets, as Akka addresses write it) and port, from "host:port".</summary>
    public static (string Host, int Port) ParseSeed(string seed)
    {
        int colon = seed.LastIndexOf(':');
        if (colon <= 0 || colon == seed.Length - 1)
            throw new NodeSettingsException("seeds", $"'{seed}' is not host:port");
        string host = seed[..colon];
        CheckHost("seeds", host);
        if (host.Contains(':') && !host.StartsWith('[')) throw new NodeSettingsException("seeds", $"'{seed}': write an IPv6 seed as [address]:port");
        return (host, ParsePort("seeds", seed[(colon + 1)..]));
    }

    private static bool IsName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    // Host names, IPv4 and [IPv6]: nothing that could end or bend an Akka address.
    private static void CheckHost(string setting, string host)
    {
        if (host.Length == 0 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']' or '_'))
            throw new NodeSettingsException(setting, $"'{host}' is not a host name or address");
    }

    // Records print every property; the token and the certificate's password are secrets.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"SystemName = {SystemName}, BindHost = {BindHost}, PublicHost = {PublicHost}, Port = {Port}, ")
            .Append($"Seeds = [{string.Join(", ", Seeds)}], Roles = [{string.Join(", ", Roles)}], DataPlanePort = {DataPlanePort}, HttpPort = {HttpPort}, ")
            .Append($"ClusterToken = {(ClusterToken is null ? "(none)" : "(set)")}, ")
            .Append($"TlsCertificatePath = {TlsCertificatePath ?? "(none)"}, TlsCertificatePassword = {(TlsCertificatePassword is null ? "(none)" : "(set)")}");
        return true;
    }

    private static void CheckPort(string setting, int port)
    {
        if (port is < 0 or > 65535) throw new NodeSettingsException(setting, $"{port} is not a TCP port");
    }

    private static int ParsePort(string setting, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535
            ? port
            : throw new NodeSettingsException(setting, $"'{text}' is not a TCP port");

    private static List<string> ParseList(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Durations as HOCON writes them: "500ms", "2s", "1.5s", "1m".</summary>
    internal static TimeSpan ParseDuration(string setting, string text)
    {
        string t = text.Trim();
        (string number, double scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 1.0)
            : t.EndsWith('s') ? (t[..^1], 1000.0)
            : t.EndsWith('m') ? (t[..^1], 60000.0)
            : (t, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0
            ? TimeSpan.FromMilliseconds(value * scale)
            : throw new NodeSettingsException(setting, $"'{text}' is not a duration (e.g. 500ms, 2s)");
    }
}
