using DistributedSolver.Data;

namespace DistributedSolver.Tests.Data;

public sealed class LabeledImageSetTests : IDisposable
{
    private readonly IdxFixtures _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void LoadsAMatchingPair()
    {
        byte[] pixels = [1, 2, 3, 4, 5, 6, 7, 8];
        var images = _files.Write("images", IdxFixtures.Gzip(IdxFixtures.Images(2, 2, pixels)));
        var labels = _files.Write("labels", IdxFixtures.Labels([4, 255]));

        var set = LabeledImageSet.Load(images, labels);

        Assert.Equal((2, 2, 2), (set.Count, set.Height, set.Width));
        Assert.Equal(pixels, set.Pixels);
        Assert.Equal([4, 255], set.Labels);
        Assert.Contains(images, set.Description);
        Assert.Contains(labels, set.Description);
    }

    [Fact]
    public void CountMismatchNamesBothFiles()
    {
        var images = _files.Write("images", IdxFixtures.Images(1, 1, [1, 2, 3]));
        var labels = _files.Write("labels", IdxFixtures.Labels([1, 2]));

        var error = Assert.Throws<InvalidDataException>(() => LabeledImageSet.Load(images, labels));

        Assert.Equal($"{images} holds 3 images but {labels} holds 2 labels", error.Message);
    }

    [Fact]
    public void RejectsAnEmptySet()
    {
        var images = _files.Write("images", IdxFixtures.Header(0x803, 0, 28, 28));
        var labels = _files.Write("labels", IdxFixtures.Labels([]));

        var error = Assert.Throws<InvalidDataException>(() => LabeledImageSet.Load(images, labels));

        Assert.Contains(images, error.Message);
    }

    [Fact]
    public void ConstructorRejectsInconsistentArrays()
    {
        Assert.Throws<ArgumentException>(() => new LabeledImageSet(2, 2, 2, new byte[7], new byte[2], "x"));
        Assert.Throws<ArgumentException>(() => new LabeledImageSet(2, 2, 2, new byte[8], new byte[3], "x"));
    }
}
