using System.Net;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// How a node's data plane listens, connects and bounds its memory. A token is part of the type:
/// no listener or connection can exist without one, so a node never serves tensors to strangers.
/// </summary>
internal sealed record DataPlaneSettings
{
    // Room beside the raw parameters for what travels with them (loss sums, sample counts).
    private const int PayloadSlack = 64 * 1024;

    public DataPlaneSettings(string clusterToken, int maxPayloadBytes)
    {
        if (string.IsNullOrWhiteSpace(clusterToken))
            throw new NodeSettingsException("cluster token", $"the data plane needs the shared token ({NodeSettings.Variables.ClusterToken})");
        if (maxPayloadBytes < 0) throw new ArgumentOutOfRangeException(nameof(maxPayloadBytes), maxPayloadBytes, "must not be negative");
        ClusterToken = clusterToken;
        MaxPayloadBytes = maxPayloadBytes;
    }

    public string ClusterToken { get; }

    /// <summary>The largest tensor payload accepted: a gradient or the weights of the net, plus slack.</summary>
    public int MaxPayloadBytes { get; }

    public string BindHost { get; init; } = "127.0.0.1";
    public string AdvertisedHost { get; init; } = "127.0.0.1";

    /// <summary>The listener's port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// The cluster certificate when TLS is on: every socket is wrapped in TLS, both ends present it
    /// and accept only it, and the token handshake runs inside. Null: plain TCP, as before.
    /// </summary>
    public ClusterCertificate? Tls { get; init; }

    /// <summary>Connect plus handshake (TLS and token) must finish within this, so a silent peer cannot hold a socket.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Frames a connection holds for sending, the one being written included; more are refused.</summary>
    public int SendQueueCapacity { get; init; } = 4;

    /// <summary>Unsent or unparsed bytes a connection buffers before its writer waits (a 4 MB frame fits twice).</summary>
    public int PauseWriterThreshold { get; init; } = 8 * 1024 * 1024;
    public int ResumeWriterThreshold { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Received frames a connection hands its owner before waiting for the owner to dispose one;
    /// meanwhile the socket is not read, so a fast sender cannot grow the owner's mailbox.
    /// </summary>
    public int ReceiveWindow { get; init; } = 2;

    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Counts the bytes of tensor frames on the node's metrics; uncounted when null.</summary>
    public Operations.NodeMonitor? Monitor { get; init; }

    /// <summary>Open inbound sockets (handshaking or not) beyond which new ones are closed at once.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Inbound sockets in the handshake at once; a new one closes the oldest, so silent strangers cannot fill <see cref="MaxConnections"/>.</summary>
    public int MaxHandshakes { get; init; } = 16;

    /// <summary>The data plane of a node with <paramref name="cluster"/>'s settings, for a net of <paramref name="parameterCount"/> floats.</summary>
    public static DataPlaneSettings From(NodeSettings cluster, long parameterCount)
    {
        long max = checked(parameterCount * sizeof(float) + PayloadSlack);
        if (parameterCount < 0 || max > Array.MaxLength)
            throw new NodeSettingsException("data plane", $"a net of {parameterCount} parameters does not fit one frame ({Array.MaxLength} bytes at most)");
        return new DataPlaneSettings(cluster.ClusterToken ?? "", (int)max)
        {
            BindHost = cluster.BindHost,
            AdvertisedHost = cluster.AdvertisedHost,
            Port = cluster.DataPlanePort,
            // Loaded per data plane (one per coordinator or worker start); it lives as long as the process.
            Tls = cluster.TlsEnabled ? cluster.LoadTlsCertificate() : null,
        };
    }

    public IPAddress BindAddress() =>
        IPAddress.TryParse(BindHost, out var address) ? address
        : BindHost == "localhost" ? IPAddress.Loopback
        : throw new NodeSettingsException("bind host", $"the data plane binds to an IP address, not '{BindHost}'");
}
