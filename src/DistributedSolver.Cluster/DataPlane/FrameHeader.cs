using System.Buffers.Binary;
using System.IO.Hashing;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// The fixed 44-byte little-endian header in front of every data-plane payload:
/// <code>
///  0 magic u16 'DS' | 2 version u8 | 3 kind u8 | 4 iteration i32 | 8 unit i32 | 12 unit count i32
/// 16 weights version i64 | 24 payload length i32 | 28 payload XxHash3 u64 | 36 parameter offset i32
/// 40 header checksum u32
/// </code>
/// The parameter offset says which bucket of the flat parameters a gradient or weights frame
/// carries (<see cref="DistributedSolver.Training.GradientBuckets"/>).
/// The header has its own checksum because the payload's hash does not cover the iteration, unit
/// and version fields: a flipped bit there would file a correct gradient under the wrong unit.
/// </summary>
internal readonly record struct FrameHeader(
    FrameKind Kind,
    int Iteration,
    int Unit,
    int UnitCount,
    long WeightsVersion,
    int PayloadLength,
    ulong PayloadChecksum,
    int Offset = 0)
{
    public const int Size = 44;
    public const ushort Magic = 0x4453;
    public const byte FormatVersion = 2;

    private const int ChecksummedBytes = 40;

    /// <summary>The header for <paramref name="payload"/>: its length and hash filled in.</summary>
    public static FrameHeader For(FrameKind kind, int iteration, int unit, int unitCount, long weightsVersion, ReadOnlySpan<byte> payload, int offset = 0) =>
        new(kind, iteration, unit, unitCount, weightsVersion, payload.Length, XxHash3.HashToUInt64(payload), offset);

    public static FrameHeader For(FrameKind kind, ReadOnlySpan<byte> payload) => For(kind, 0, 0, 0, 0, payload);

    public void Write(Span<byte> destination)
    {
        var d = destination[..Size];
        BinaryPrimitives.WriteUInt16LittleEndian(d, Magic);
        d[2] = FormatVersion;
        d[3] = (byte)Kind;
        BinaryPrimitives.WriteInt32LittleEndian(d[4..], Iteration);
        BinaryPrimitives.WriteInt32LittleEndian(d[8..], Unit);
        BinaryPrimitives.WriteInt32LittleEndian(d[12..], UnitCount);
        BinaryPrimitives.WriteInt64LittleEndian(d[16..], WeightsVersion);
        BinaryPrimitives.WriteInt32LittleEndian(d[24..], PayloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(d[28..], PayloadChecksum);
        BinaryPrimitives.WriteInt32LittleEndian(d[36..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(d[ChecksummedBytes..], HeaderChecksum(d));
    }

    /// <summary>
    /// Reads a header from the start of <paramref name="source"/>; false when fewer than
    /// <see cref="Size"/> bytes are there yet. Anything that is not a valid header of a payload
    /// of at most <paramref name="maxPayload"/> bytes throws <see cref="DataPlaneProtocolException"/>,
    /// so a hostile length never reaches an allocation.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int maxPayload, out FrameHeader header)
    {
        header = default;
        if (source.Length < Size) return false;
        var s = source[..Size];
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(s);
        if (magic != Magic) throw new DataPlaneProtocolException($"bad magic 0x{magic:X4} (expected 0x{Magic:X4}): not a data-plane peer");
        if (s[2] != FormatVersion) throw new DataPlaneProtocolException($"unsupported frame format version {s[2]} (this node speaks {FormatVersion})");
        uint stated = BinaryPrimitives.ReadUInt32LittleEndian(s[ChecksummedBytes..]);
        uint actual = HeaderChecksum(s);
        if (stated != actual) throw new DataPlaneProtocolException($"header checksum mismatch (0x{stated:X8} stated, 0x{actual:X8} computed)");
        var kind = (FrameKind)s[3];
        if (!Enum.IsDefined(kind)) throw new DataPlaneProtocolException($"unknown frame kind {s[3]}");
        int length = BinaryPrimitives.ReadInt32LittleEndian(s[24..]);
        if (length < 0 || length > maxPayload)
            throw new DataPlaneProtocolException($"{kind} frame announces {length} payload bytes; the limit here is {maxPayload}");
        header = new FrameHeader(
            kind,
            BinaryPrimitives.ReadInt32LittleEndian(s[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(s[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(s[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[16..]),
            length,
            BinaryPrimitives.ReadUInt64LittleEndian(s[28..]),
            BinaryPrimitives.ReadInt32LittleEndian(s[36..]));
        return true;
    }

    private static uint HeaderChecksum(ReadOnlySpan<byte> header) => (uint)XxHash3.HashToUInt64(header[..ChecksummedBytes]);
}
