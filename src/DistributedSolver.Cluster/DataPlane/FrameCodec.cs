using System.Buffers;
using System.IO.Hashing;
using System.IO.Pipelines;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// Frames on a pipe. The reader copies each payload once, straight out of the pipe's segments into
/// a rented array, consuming the pipe as it goes: a frame never has to fit in the pipe at once, so
/// frames larger than the pipe's pause threshold cannot stall the connection, and the copy overlaps
/// the socket receiving the rest of the frame.
/// </summary>
internal static class FrameCodec
{
    /// <summary>
    /// The next frame, or null when the stream ended cleanly between two frames. Invalid data, a
    /// payload whose hash differs from its header's, and a stream that ends inside a frame throw
    /// <see cref="DataPlaneProtocolException"/>.
    /// </summary>
    public static async ValueTask<Frame?> ReadAsync(PipeReader reader, int maxPayload, CancellationToken cancellation)
    {
        FrameHeader header;
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryReadHeader(buffer, maxPayload, out header))
            {
                reader.AdvanceTo(buffer.GetPosition(FrameHeader.Size));
                break;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return buffer.IsEmpty
                    ? null
                    : throw new DataPlaneProtocolException($"stream ended inside a frame header ({buffer.Length} of {FrameHeader.Size} bytes)");
            }
        }

        var payload = PooledPayload.Rent(header.PayloadLength);
        try
        {
            await ReadPayloadAsync(reader, header, payload, cancellation).ConfigureAwait(false);
            ulong actual = XxHash3.HashToUInt64(payload.Span);
            if (actual != header.PayloadChecksum)
                throw new DataPlaneProtocolException(
                    $"{header.Kind} payload checksum mismatch (0x{header.PayloadChecksum:X16} stated, 0x{actual:X16} computed) " +
                    $"for iteration {header.Iteration}, unit {header.Unit}");
            return new Frame(header, payload);
        }
        catch
        {
            payload.Dispose();
            throw;
        }
    }

    /// <summary>Writes one frame into <paramref name="writer"/> without flushing; the caller's flush is the back-pressure point.</summary>
    public static void Write(PipeWriter writer, in FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != header.PayloadLength)
            throw new ArgumentException($"payload is {payload.Length} bytes, header says {header.PayloadLength}", nameof(payload));
        header.Write(writer.GetSpan(FrameHeader.Size));
        writer.Advance(FrameHeader.Size);
        writer.Write(payload);
    }

    private static async ValueTask ReadPayloadAsync(PipeReader reader, FrameHeader header, PooledPayload payload, CancellationToken cancellation)
    {
        int filled = 0;
        while (filled < header.PayloadLength)
        {
            ReadResult result = await reader.ReadAsync(cancellation).ConfigureAwait(false);
            ReadOnlySequence<byte> available = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, header.PayloadLength - filled));
            available.CopyTo(payload.Span[filled..]);
            filled += (int)available.Length;
            reader.AdvanceTo(available.End);
            if (filled < header.PayloadLength && result.IsCompleted)
                throw new DataPlaneProtocolException($"stream ended inside a {header.Kind} payload ({filled} of {header.PayloadLength} bytes)");
        }
    }

    private static bool TryReadHeader(in ReadOnlySequence<byte> buffer, int maxPayload, out FrameHeader header)
    {
        if (buffer.FirstSpan.Length >= FrameHeader.Size) return FrameHeader.TryRead(buffer.FirstSpan, maxPayload, out header);
        header = default;
        if (buffer.Length < FrameHeader.Size) return false;
        Span<byte> joined = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(joined);
        return FrameHeader.TryRead(joined, maxPayload, out header);
    }
}
