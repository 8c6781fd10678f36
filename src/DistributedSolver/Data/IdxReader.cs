using System.Buffers.Binary;
using System.IO.Compression;

namespace DistributedSolver.Data;

internal sealed record IdxImages(int Count, int Rows, int Cols, byte[] Pixels);

/// <summary>Reads MNIST-format IDX files, raw or gzip-compressed.</summary>
internal static class IdxReader
{
    private const int ImageMagic = 0x00000803;
    private const int LabelMagic = 0x00000801;

    // Far beyond any real dataset, but small enough that a corrupt header is reported as such
    // instead of as an out-of-memory failure.
    private const int MaxPixelsPerImage = 1 << 20;
    private const int MaxCount = 1 << 28;

    public static IdxImages ReadImages(string path)
    {
        using var stream = Open(path);
        ReadMagic(stream, path, ImageMagic, "image");
        int count = ReadDimension(stream, path, "image count", 0, MaxCount);
        int rows = ReadDimension(stream, path, "row count", 1, MaxPixelsPerImage);
        int cols = ReadDimension(stream, path, "column count", 1, MaxPixelsPerImage);
        if ((long)rows * cols > MaxPixelsPerImage)
        {
            throw Invalid(path, $"image size {rows}x{cols} exceeds {MaxPixelsPerImage} pixels");
        }

        long size = (long)count * rows * cols;
        if (size > Array.MaxLength)
        {
            throw Invalid(path, $"{count} images of {rows}x{cols} exceed the largest possible array");
        }

        return new IdxImages(count, rows, cols, ReadPayload(stream, path, (int)size));
    }

    public static byte[] ReadLabels(string path)
    {
        using var stream = Open(path);
        ReadMagic(stream, path, LabelMagic, "label");
        int count = ReadDimension(stream, path, "label count", 0, MaxCount);
        return ReadPayload(stream, path, count);
    }

    private static Stream Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
        file.Position = 0;
        // IDX magics start with two zero bytes, so gzip's 1f 8b can never be the start of a raw file.
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static void ReadMagic(Stream stream, string path, int expected, string kind)
    {
        int magic = ReadInt32(stream, path, "magic number");
        if (magic != expected)
        {
            throw Invalid(path, $"not an IDX {kind} file (magic 0x{magic:x8}, expected 0x{expected:x8})");
        }
    }

    private static int ReadDimension(Stream stream, string path, string name, int min, int max)
    {
        int value = ReadInt32(stream, path, name);
        if (value < min || value > max)
        {
            throw Invalid(path, $"{name} {value} is outside {min}..{max}");
        }

        return value;
    }

    private static int ReadInt32(Stream stream, string path, string name)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (Read(stream, path, bytes) < bytes.Length)
        {
            throw Invalid(path, $"truncated header (no {name})");
        }

        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }

    private static byte[] ReadPayload(Stream stream, string path, int length)
    {
        // Grown as data arrives rather than allocated from the header, so a tiny corrupt file
        // cannot make us allocate gigabytes before we notice it is truncated.
        using var payload = new MemoryStream();
        var chunk = new byte[1 << 16];
        long wanted = length + 1L;
        while (wanted > 0)
        {
            int n = Read(stream, path, chunk.AsSpan(0, (int)Math.Min(chunk.Length, wanted)));
            if (n == 0)
            {
                break;
            }

            payload.Write(chunk, 0, n);
            wanted -= n;
        }

        if (payload.Length < length)
        {
            throw Invalid(path, $"truncated payload ({payload.Length} of {length} bytes)");
        }

        if (payload.Length > length)
        {
            throw Invalid(path, $"trailing data after the {length}-byte payload");
        }

        return payload.ToArray();
    }

    private static int Read(Stream stream, string path, Span<byte> buffer)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // Only GZipStream throws this; its message does not say which file was being read.
            throw Invalid(path, $"corrupt gzip data ({e.Message})", e);
        }
    }

    private static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"{path}: {problem}", inner);
}
