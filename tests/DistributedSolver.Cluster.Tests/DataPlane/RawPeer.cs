using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using DistributedSolver.Cluster.DataPlane;

namespace DistributedSolver.Cluster.Tests.DataPlane;

/// <summary>
/// A hand-written data-plane client on a plain socket: speaks the handshake from its specification
/// (not through <see cref="Handshake"/>), so tests also pin the wire format, and can write any bytes.
/// Over TLS (<see cref="ConnectTlsAsync"/>) it presents whatever certificate it is given and trusts any server.
/// </summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;

    private RawPeer(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        return new RawPeer(socket, new NetworkStream(socket, ownsSocket: false));
    }

    /// <summary>A TLS client presenting <paramref name="certificate"/>; throws when the TLS handshake fails.</summary>
    public static async Task<RawPeer> ConnectTlsAsync(int port, X509Certificate2 certificate)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificateContext = SslStreamCertificateContext.Create(certificate, null, offline: true),
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            });
        }
        catch
        {
            tls.Dispose();
            socket.Dispose();
            throw;
        }
        return new RawPeer(socket, tls);
    }

    public async Task<bool> ProveAsync(string token, long incarnation, string nodeId)
    {
        using var challenge = (await ReadFrameAsync())!.Value.Payload;
        byte[] id = Encoding.UTF8.GetBytes(nodeId);
        byte[] clear = new byte[sizeof(long) + id.Length];
        BinaryPrimitives.WriteInt64LittleEndian(clear, incarnation);
        id.CopyTo(clear, sizeof(long));
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), (byte[])[.. challenge.Span, .. clear]);
        await SendFrameAsync(FrameKind.Proof, [.. mac, .. clear]);
        try
        {
            return await ReadFrameAsync() is { Header.Kind: FrameKind.Accepted };
        }
        catch (Exception e) when (e is IOException or DataPlaneProtocolException)
        {
            return false;
        }
    }

    public async Task<Frame?> ReadFrameAsync() => await FrameCodec.ReadAsync(_reader, 64 << 20, default);

    public Task SendFrameAsync(FrameKind kind, byte[] payload, int iteration = 0, long version = 0) =>
        SendAsync(FrameCodecTests.Encode(FrameHeader.For(kind, iteration, 0, 1, version, payload), payload));

    // Plain peers write to the socket itself, so a reset surfaces as the SocketException tests expect.
    public async Task SendAsync(byte[] bytes)
    {
        if (_stream is NetworkStream) await _socket.SendAsync(bytes, SocketFlags.None);
        else await _stream.WriteAsync(bytes);
    }

    /// <summary>
    /// True once the other side has closed (reads drain to the end of the stream, or fail on a
    /// reset); false if it is still open when <paramref name="cancellation"/> fires.
    /// </summary>
    public async Task<bool> ClosedByPeerAsync(CancellationToken cancellation)
    {
        var buffer = new byte[4096];
        try
        {
            while ((_stream is NetworkStream ? await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellation) : await _stream.ReadAsync(buffer, cancellation)) > 0)
            {
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Drops the connection; a read in progress on another task ends with an error.</summary>
    public void Disconnect() => _socket.Dispose();

    /// <summary>
    /// True when the server ends the connection without sending a single frame (not even the
    /// challenge): the stream ends, breaks, or carries no frame (a TLS alert is no frame).
    /// </summary>
    public async Task<bool> GetsNoFrameAsync()
    {
        try
        {
            return await ReadFrameAsync() is null;
        }
        catch (Exception e) when (e is IOException or SocketException or DataPlaneProtocolException or System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }

    // A PipeReader is not thread-safe: complete it only once no read is in progress (Disconnect first
    // and await the reading task, when one runs).
    public void Dispose()
    {
        _socket.Dispose();
        _reader.Complete();
        _stream.Dispose();
    }
}
