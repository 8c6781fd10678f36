using System.Buffers;
using System.IO.Pipelines;
using DistributedSolver.Cluster.DataPlane;
using FsCheck.Xunit;

namespace DistributedSolver.Cluster.Tests.DataPlane;

public sealed class FrameCodecTests
{
    private const int Max = 1 << 20;

    [Property]
    public bool Header_round_trips(int iteration, int unit, int unitCount, long version, byte[]? payload, int offset)
    {
        payload ??= [];
        var header = FrameHeader.For(FrameKind.Gradient, iteration, unit, unitCount, version, payload, offset);
        Span<byte> bytes = stackalloc byte[FrameHeader.Size];
        header.Write(bytes);
        return FrameHeader.TryRead(bytes, Max, out var back) && back == header;
    }

    [Fact]
    public void A_short_span_is_not_yet_a_header()
    {
        var bytes = Encode(FrameHeader.For(FrameKind.Weights, [1, 2, 3]), [1, 2, 3]);
        Assert.False(FrameHeader.TryRead(bytes.AsSpan(0, FrameHeader.Size - 1), Max, out _));
    }

    [Fact]
    public async Task Frames_read_back_with_their_payload_and_a_clean_end_reads_null()
    {
        byte[] a = Bytes(1000, 1), b = [];
        var ha = FrameHeader.For(FrameKind.Gradient, 7, 2, 2, 41, a);
        var hb = FrameHeader.For(FrameKind.Accepted, b);
        var reader = PipeReader.Create(new ReadOnlySequence<byte>([.. Encode(ha, a), .. Encode(hb, b)]));

        using (var fa = (await FrameCodec.ReadAsync(reader, Max, default))!.Value.Payload)
            Assert.Equal(a, fa.Memory.ToArray());
        var second = (await FrameCodec.ReadAsync(reader, Max, default))!.Value;
        Assert.Equal(hb, second.Header);
        Assert.Equal(0, second.Payload.Length);
        Assert.Null(await FrameCodec.ReadAsync(reader, Max, default));
    }

    public static TheoryData<string, Func<byte[]>> Invalid => new()
    {
        { "bad magic", () => Mutate(Valid(), bytes => bytes[0] ^= 0xFF) },
        { "unsupported frame format version 9", () => Mutate(Valid(), bytes => bytes[2] = 9) },
        { "header checksum mismatch", () => Mutate(Valid(), bytes => bytes[5] ^= 1) },
        { "unknown frame kind 99", () => Encode(new FrameHeader((FrameKind)99, 0, 0, 0, 0, 0, 0), []) },
        { "announces -1 payload bytes", () => Encode(new FrameHeader(FrameKind.Gradient, 0, 0, 0, 0, -1, 0), []) },
        { $"announces {Max + 1} payload bytes; the limit here is {Max}", () => Encode(new FrameHeader(FrameKind.Gradient, 0, 0, 0, 0, Max + 1, 0), []) },
        { "payload checksum mismatch", () => Mutate(Valid(), bytes => bytes[^1] ^= 1) },
        { "stream ended inside a frame header (43 of 44 bytes)", () => Valid()[..43] },
        { "stream ended inside a Gradient payload (10 of 64 bytes)", () => Valid()[..54] },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Invalid_input_is_a_protocol_error_naming_the_reason(string reason, Func<byte[]> bytes)
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>(bytes()));
        var error = await Assert.ThrowsAsync<DataPlaneProtocolException>(async () => await FrameCodec.ReadAsync(reader, Max, default));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Writing_a_payload_that_disagrees_with_its_header_is_refused()
    {
        var pipe = new Pipe();
        Assert.Throws<ArgumentException>(() => FrameCodec.Write(pipe.Writer, FrameHeader.For(FrameKind.Gradient, [1, 2]), [1, 2, 3]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Frames_split_at_arbitrary_boundaries_parse_identically(int seed)
    {
        var random = new Random(seed);
        var payloads = Enumerable.Range(0, 20).Select(i => Bytes(random.Next(0, i % 5 == 0 ? 70_000 : 300), i)).ToArray();
        var headers = payloads.Select((p, i) => FrameHeader.For(FrameKind.Gradient, i, i * 2, 2, i * 10L, p)).ToArray();
        byte[] stream = [.. payloads.Zip(headers, (p, h) => Encode(h, p)).SelectMany(b => b)];

        // A small pause threshold forces the reader to consume frames while the writer is still
        // feeding chunks, including payloads larger than the threshold itself.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, minimumSegmentSize: 512));
        var feed = Task.Run(async () =>
        {
            for (int offset = 0; offset < stream.Length;)
            {
                int chunk = Math.Min(stream.Length - offset, random.Next(1, 3000));
                await pipe.Writer.WriteAsync(stream.AsMemory(offset, chunk));
                offset += chunk;
            }
            await pipe.Writer.CompleteAsync();
        });

        for (int i = 0; i < headers.Length; i++)
        {
            var frame = (await FrameCodec.ReadAsync(pipe.Reader, Max, default))!.Value;
            using var payload = frame.Payload;
            Assert.Equal(headers[i], frame.Header);
            Assert.Equal(payloads[i], payload.Memory.ToArray());
        }
        Assert.Null(await FrameCodec.ReadAsync(pipe.Reader, Max, default));
        await feed;
    }

    internal static byte[] Encode(FrameHeader header, byte[] payload)
    {
        var bytes = new byte[FrameHeader.Size + payload.Length];
        header.Write(bytes);
        payload.CopyTo(bytes, FrameHeader.Size);
        return bytes;
    }

    internal static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Valid()
    {
        var payload = Bytes(64, 5);
        return Encode(FrameHeader.For(FrameKind.Gradient, 3, 1, 1, 9, payload), payload);
    }

    private static byte[] Mutate(byte[] bytes, Action<byte[]> change)
    {
        change(bytes);
        return bytes;
    }
}
