using System.IO.Pipelines;
using System.Net.Sockets;
using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// One TCP connection as two pipes: a loop receives from the socket into one, a loop sends from the
/// other, so parsing and socket calls overlap and a full pipe (the pause threshold) is what makes a
/// slow peer slow its sender down. Reads are done by one reader at a time and writes by one writer
/// at a time; the owning actor guarantees that.
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

    private FrameLink(Socket socket, DataPlaneSettings settings)
    {
        _socket = socket;
        _monitor = settings.Monitor;
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
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
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
            return new FrameLink(socket, settings);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
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
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                int received = await _socket.ReceiveAsync(_received.Writer.GetMemory(), SocketFlags.None).ConfigureAwait(false);
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
