namespace DistributedSolver.Data;

/// <summary>Single-channel 8-bit images with one label each, stored sample-major.</summary>
public sealed record LabeledImageSet
{
    public LabeledImageSet(int count, int height, int width, byte[] pixels, byte[] labels, string description)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (pixels.LongLength != (long)count * height * width)
        {
            throw new ArgumentException($"{pixels.Length} pixels for {count} images of {height}x{width}", nameof(pixels));
        }

        if (labels.Length != count)
        {
            throw new ArgumentException($"{labels.Length} labels for {count} images", nameof(labels));
        }

        Count = count;
        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
        Description = description;
    }

    public int Count { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Count·Height·Width bytes, image after image, each row-major.</summary>
    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    /// <summary>The files the set was read from, for messages and logs.</summary>
    public string Description { get; }

    public static LabeledImageSet Load(string imagesPath, string labelsPath)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new InvalidDataException(
                $"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels");
        }

        // An empty set is a valid IDX file but would leave a data layer with nothing to cycle through.
        if (images.Count == 0)
        {
            throw new InvalidDataException($"{imagesPath}: no samples");
        }

        return new LabeledImageSet(
            images.Count, images.Rows, images.Cols, images.Pixels, labels, $"{imagesPath} + {labelsPath}");
    }
}
