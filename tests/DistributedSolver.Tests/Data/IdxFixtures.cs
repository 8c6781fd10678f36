using System.Buffers.Binary;
using System.IO.Compression;

namespace DistributedSolver.Tests.Data;

/// <summary>A scratch directory for hand-made IDX files, deleted with the test.</summary>
internal sealed class IdxFixtures : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("dsolver-data-").FullName;

    public static byte[] Header(params int[] fields)
    {
        var bytes = new byte[4 * fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 * i), fields[i]);
        }

        return bytes;
    }

    public static byte[] Images(int rows, int cols, byte[] pixels) =>
        [.. Header(0x803, pixels.Length / (rows * cols), rows, cols), .. pixels];

    public static byte[] Labels(byte[] labels) => [.. Header(0x801, labels.Length), .. labels];

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Writes <paramref name="contents"/> to a path under <see cref="Root"/>, creating directories.</summary>
    public string Write(string relativePath, byte[] contents)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, contents);
        return path;
    }

    /// <summary>Writes a one-sample 1x1 IDX pair at <paramref name="prefix"/> and returns the image path.</summary>
    public string WritePair(string prefix, bool gzip = false)
    {
        var suffix = gzip ? ".gz" : "";
        Func<byte[], byte[]> encode = gzip ? Gzip : bytes => bytes;
        Write(prefix + "-labels-idx1-ubyte" + suffix, encode(Labels([7])));
        return Write(prefix + "-images-idx3-ubyte" + suffix, encode(Images(1, 1, [42])));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
