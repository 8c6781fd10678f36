using DistributedSolver.Data;

namespace DistributedSolver.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private static readonly byte[] SamplePixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];

    private readonly IdxFixtures _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesExactly(bool gzip)
    {
        var bytes = IdxFixtures.Images(2, 3, SamplePixels);
        // The extension is deliberately misleading: compression is detected from the content.
        var path = _files.Write("images.idx", gzip ? IdxFixtures.Gzip(bytes) : bytes);

        var images = IdxReader.ReadImages(path);

        Assert.Equal((2, 2, 3), (images.Count, images.Rows, images.Cols));
        Assert.Equal(SamplePixels, images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsLabelsExactly(bool gzip)
    {
        byte[] labels = [9, 0, 255, 3];
        var bytes = IdxFixtures.Labels(labels);
        var path = _files.Write("labels.gz", gzip ? IdxFixtures.Gzip(bytes) : bytes);

        Assert.Equal(labels, IdxReader.ReadLabels(path));
    }

    public static TheoryData<string, byte[], string> CorruptImages => new()
    {
        { "label magic", IdxFixtures.Labels([1, 2]), "not an IDX image file (magic 0x00000801, expected 0x00000803)" },
        { "negative count", [.. IdxFixtures.Header(0x803, -1, 2, 2)], "image count -1" },
        { "absurd count", [.. IdxFixtures.Header(0x803, (1 << 28) + 1, 1, 1)], "image count 268435457" },
        { "zero rows", [.. IdxFixtures.Header(0x803, 1, 0, 2)], "row count 0" },
        { "absurd image", [.. IdxFixtures.Header(0x803, 1, 2048, 1024)], "exceeds 1048576 pixels" },
        { "short header", [.. IdxFixtures.Header(0x803, 1, 2)], "truncated header (no column count)" },
        { "empty file", [], "truncated header (no magic number)" },
        { "short payload", IdxFixtures.Images(2, 3, SamplePixels)[..^1], "truncated payload (11 of 12 bytes)" },
        { "trailing garbage", [.. IdxFixtures.Images(2, 3, SamplePixels), 0], "trailing data" },
    };

    [Theory]
    [MemberData(nameof(CorruptImages))]
    public void RejectsCorruptImagesNamingThePath(string name, byte[] contents, string problem)
    {
        foreach (var gzip in new[] { false, true })
        {
            var path = _files.Write($"{name}{gzip}", gzip ? IdxFixtures.Gzip(contents) : contents);

            var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

            Assert.Contains($"{path}: ", error.Message);
            Assert.Contains(problem, error.Message);
        }
    }

    [Fact]
    public void RejectsCorruptLabels()
    {
        var path = _files.Write("labels", [.. IdxFixtures.Labels([1, 2, 3]), 9]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.StartsWith($"{path}: trailing data", error.Message);
    }

    [Fact]
    public void RejectsImageMagicInLabelFile()
    {
        var path = _files.Write("labels", IdxFixtures.Images(1, 1, [0]));

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));

        Assert.Equal($"{path}: not an IDX label file (magic 0x00000803, expected 0x00000801)", error.Message);
    }

    [Fact]
    public void RejectsCorruptGzip()
    {
        var compressed = IdxFixtures.Gzip(IdxFixtures.Images(2, 3, SamplePixels));
        compressed[12] ^= 0xff;
        compressed[13] ^= 0xff;
        var path = _files.Write("corrupt.gz", compressed);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith($"{path}: ", error.Message);
    }

    [Fact]
    public void RejectsTruncatedGzip()
    {
        var compressed = IdxFixtures.Gzip(IdxFixtures.Images(2, 3, SamplePixels));
        var path = _files.Write("truncated.gz", compressed[..^12]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));

        Assert.StartsWith($"{path}: ", error.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var path = Path.Combine(_files.Root, "absent-images-idx3-ubyte");

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
    }
}
