using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Proto;

namespace DistributedSolver.Nets;

/// <summary>Blobs to and from Caffe's BlobProto (float data; legacy 4-d shapes read too).</summary>
public static class BlobCodec
{
    public static BlobProto ToProto(Blob blob, IComputeBackend backend, bool withDiff = false) =>
        ToProto(blob.Shape, blob.Data, withDiff ? blob.Diff : null, backend);

    public static BlobProto ToProto(IReadOnlyList<int> shape, BufferView data, BufferView? diff, IComputeBackend backend)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        foreach (int d in shape) proto.Shape.Dim.Add(d);
        var values = new float[data.Length];
        backend.Download(data, values);
        proto.Data.Add(values);
        if (diff is { } d2)
        {
            backend.Download(d2, values);
            proto.Diff.Add(values);
        }
        return proto;
    }

    public static IReadOnlyList<int> ShapeOf(BlobProto proto)
    {
        if (proto.Shape is not null) return [.. proto.Shape.Dim.Select(d => checked((int)d))];
        // Caffe's legacy 4-d blobs: (num, channels, height, width), with unset dimensions as 1 when comparing.
        return [proto.Num, proto.Channels, proto.Height, proto.Width];
    }

    /// <summary>Copies a BlobProto's values into <paramref name="blob"/>; the shapes must agree.</summary>
    public static void Load(BlobProto proto, Blob blob, IComputeBackend backend, string what) =>
        Load(proto, blob.Shape, blob.Data, backend, what);

    public static void Load(BlobProto proto, IReadOnlyList<int> shape, BufferView target, IComputeBackend backend, string what)
    {
        IReadOnlyList<int> source;
        try
        {
            source = ShapeOf(proto);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{what}: a dimension of ({string.Join(",", proto.Shape.Dim)}) is out of range");
        }
        bool legacyMatch = proto.Shape is null && LegacyShapeMatches(source, shape);
        if (!legacyMatch && !source.SequenceEqual(shape))
            throw new InvalidDataException(
                $"{what}: shape mismatch, the file has ({string.Join(",", source)}), the net has ({string.Join(",", shape)})");
        int count = target.Length;
        if (proto.DoubleData.Count > 0)
        {
            if (proto.DoubleData.Count != count) throw new InvalidDataException($"{what}: {proto.DoubleData.Count} values for {count} elements");
            backend.Upload(proto.DoubleData.Select(v => (float)v).ToArray(), target);
            return;
        }
        if (proto.Data.Count != count) throw new InvalidDataException($"{what}: {proto.Data.Count} values for {count} elements");
        backend.Upload(proto.Data.ToArray(), target);
    }

    // Caffe's Blob::ShapeEquals for legacy protos: leading dimensions beyond the blob's axes must be 1.
    private static bool LegacyShapeMatches(IReadOnlyList<int> legacy, IReadOnlyList<int> shape)
    {
        if (shape.Count > 4) return false;
        int pad = 4 - shape.Count;
        for (int i = 0; i < 4; i++)
        {
            int expected = i < pad ? 1 : shape[i - pad];
            if (legacy[i] != expected) return false;
        }
        return true;
    }
}
