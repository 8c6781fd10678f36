namespace DistributedSolver.Backend;

/// <summary>A contiguous range of a <see cref="DeviceBuffer"/>: how a parameter blob points into
/// the net's flat parameter buffer, and how a unit's rows are addressed.</summary>
public readonly record struct BufferView
{
    public BufferView(DeviceBuffer buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"view [{offset}, {offset + (long)length}) lies outside a buffer of {buffer.Length}");
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    public DeviceBuffer Buffer { get; }
    public int Offset { get; }
    public int Length { get; }

    /// <summary>Whether the two views share an element of one buffer.</summary>
    public bool Overlaps(BufferView other) =>
        ReferenceEquals(Buffer, other.Buffer) && Length > 0 && other.Length > 0
        && Offset < other.Offset + other.Length && other.Offset < Offset + Length;

    /// <summary>Throws unless the two views are disjoint, as a copy between them requires.</summary>
    public static void RequireDisjoint(BufferView source, BufferView destination)
    {
        if (source.Overlaps(destination))
            throw new ArgumentException(
                $"copy source [{source.Offset}, {source.Offset + source.Length}) overlaps its destination [{destination.Offset}, {destination.Offset + destination.Length}) in one buffer",
                nameof(destination));
    }

    public BufferView Slice(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(length),
                $"slice [{offset}, {offset + (long)length}) lies outside a view of {Length}");
        return new BufferView(Buffer, Offset + offset, length);
    }
}
