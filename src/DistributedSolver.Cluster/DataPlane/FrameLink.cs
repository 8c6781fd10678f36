using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DistributedSolver.Cluster.Hosting;
using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// One TCP connection as two pipes: a loop receives from the socket into one, a loop sends from the
/// other, so parsing and socket calls overlap and a full pipe (the pause threshold) is what makes a
/// slow peer slow its sender down. Reads are done by one reader at a time and writes by one writer
/// at a time; the owning actor guarantees that. With TLS (<see cref="DataPlaneSettings.Tls"/>) the
/// loops read and write an <see cref="SslStream"/> over the socket instead, and start only once
/// <see cref="SecureAsync"/> has authenticated the peer; without it the socket is used directly.
/// </summary>
internal sealed class FrameLink : IDisposable
{
    private readonly Socket _socket;
    private readonly Pipe _received;
    private readonly Pipe _toSend;
    // Frames delivered and not yet disposed by their owner; never disposed itself, since a payload
    // may be disposed (and release its credit) after the link is gone.
    private readonly SemaphoreSlim _credit;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Operations.NodeMonitor? _monitor;
    // Null on plain TCP.
    private readonly SslStream? _tls;
    private readonly ClusterCertificate? _certificate;
    // The name a client asks for (SNI); null on the accepting side.
    private readonly string? _targetHost;
    // Why the certificate check refused the peer, for the handshake's error.
    private string? _refusal;

    private FrameLink(Socket socket, DataPlaneSettings settings, string? targetHost = null)
    {
        _socket = socket;
        _monitor = settings.Monitor;
        _certificate = settings.Tls;
        _targetHost = targetHost;
        socket.NoDelay = true;
        Peer = socket.RemoteEndPoint?.ToString() ?? "an unknown peer";
        // Large segments: a 4 MB frame crosses the pipe in a few dozen socket calls, not a thousand.
        var options = new PipeOptions(
            pauseWriterThreshold: settings.PauseWriterThreshold,
            resumeWriterThreshold: settings.ResumeWriterThreshold,
            minimumSegmentSize: 256 * 1024,
            useSynchronizationContext: false);
        _received = new Pipe(options);
        _toSend = new Pipe(options);
        _credit = new SemaphoreSlim(settings.ReceiveWindow);
        if (_certificate is null) StartLoops();
        else _tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, ValidatePeer);
    }

    /// <summary>The remote end point, for logs.</summary>
    public string Peer { get; }

    public static FrameLink Over(Socket socket, DataPlaneSettings settings) => new(socket, settings);

    public static async Task<FrameLink> ConnectAsync(string host, int port, DataPlaneSettings settings, CancellationToken cancellation)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, cancellation).ConfigureAwait(false);
            return new FrameLink(socket, settings, host);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// With TLS: the TLS handshake, as server (accepted sockets) or client (connected ones); each
    /// side presents the cluster certificate and accepts only it. A stranger without it gets no
    /// frame, not even the token challenge. Without TLS: nothing to do.
    /// </summary>
    public async Task SecureAsync(CancellationToken cancellation)
    {
        if (_tls is null) return;
        var context = SslStreamCertificateContext.Create(_certificate!.Certificate, additionalCertificates: null, offline: true);
        try
        {
            if (_targetHost is null)
                await _tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    ClientCertificateRequired = true,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }, cancellation).ConfigureAwait(false);
            else
                await _tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _targetHost,
                    // A context rather than a certificate list: .NET sends it whatever issuers the server names.
                    ClientCertificateContext = context,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            throw new DataPlaneProtocolException(_refusal is null
                ? $"TLS handshake with {Peer} failed: {e.Message}"
                : $"TLS: refused {Peer}: {_refusal}");
        }
        StartLoops();
    }

    public ValueTask<Frame?> ReadAsync(int maxPayload, CancellationToken cancellation) =>
        FrameCodec.ReadAsync(_received.Reader, maxPayload, cancellation);

    /// <summary>Copies the frame into the send pipe; completes once the pipe is below its pause threshold.</summary>
    public async ValueTask WriteAsync(FrameHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellation)
    {
        FrameCodec.Write(_toSend.Writer, header, payload.Span);
        _monitor?.DataPlaneBytesSent.Inc(FrameHeader.Size + payload.Length);
        FlushResult flushed = await _toSend.Writer.FlushAsync(cancellation).ConfigureAwait(false);
        if (flushed.IsCompleted || flushed.IsCanceled) throw new IOException($"the connection to {Peer} is closed");
    }

    /// <summary>
    /// Hands every frame to <paramref name="owner"/> until the peer closes the connection (returns),
    /// breaks the protocol or the link is disposed (throws). Only <paramref name="expected"/> frames
    /// may flow this way. At most <see cref="DataPlaneSettings.ReceiveWindow"/> delivered payloads
    /// are undisposed at a time: while the owner holds them all, nothing is read, the pipe fills,
    /// the socket stops receiving and TCP slows the peer down instead of the owner's mailbox growing.
    /// </summary>
    public async Task DeliverFramesAsync(FrameKind expected, int maxPayload, IActorRef owner, IActorRef connection, string peer)
    {
        while (true)
        {
            await _credit.WaitAsync(_disposed.Token).ConfigureAwait(false);
            if (await ReadAsync(maxPayload, CancellationToken.None).ConfigureAwait(false) is not { } frame) return;
            frame.Payload.ReleaseOnDispose(_credit);
            _monitor?.DataPlaneBytesReceived.Inc(FrameHeader.Size + frame.Payload.Length);
            if (frame.Header.Kind != expected)
            {
                frame.Payload.Dispose();
                throw new DataPlaneProtocolException($"unexpected {frame.Header.Kind} frame (only {expected} frames flow this way)");
            }
            owner.Tell(new TensorReceived(frame.Header, frame.Payload, connection, peer));
        }
    }

    /// <summary>Closes the socket; both loops end, and pending reads and writes fail.</summary>
    public void Dispose()
    {
        _disposed.Cancel();
        _toSend.Reader.CancelPendingRead();
        _received.Writer.CancelPendingFlush();
        _tls?.Dispose();
        _socket.Dispose();
    }

    private void StartLoops()
    {
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
    }

    // Chain and name errors are expected (a self-signed certificate, pods reached by DNS names it
    // does not list): the pin to the cluster certificate is the whole check.
    private bool ValidatePeer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_certificate!.Accepts(certificate, out string refusal)) return true;
        _refusal = refusal;
        return false;
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = _received.Writer.GetMemory();
                int received = _tls is null
                    ? await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false)
                    : await _tls.ReadAsync(memory).ConfigureAwait(false);
                if (received == 0) break;
                _received.Writer.Advance(received);
                FlushResult flushed = await _received.Writer.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled) break;
            }
        }
        catch (Exception e) // handed to the pipe: its other side sees why the connection ended
        {
            error = e;
        }
        await _received.Writer.CompleteAsync(error).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                ReadResult result = await _toSend.Reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled) break;
                foreach (var segment in result.Buffer)
                {
                    if (_tls is not null) await _tls.WriteAsync(segment).ConfigureAwait(false);
                    else
                        for (var rest = segment; !rest.IsEmpty;)
                            rest = rest[await _socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false)..];
                }
                _toSend.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) break;
            }
        }
        catch (Exception e) // handed to the pipe: its other side sees why the connection ended
        {
            error = e;
        }
        await _toSend.Reader.CompleteAsync(error).ConfigureAwait(false);
    }
}
