using DistributedSolver.Data;

namespace DistributedSolver.Tests.Data;

public sealed class ArrayDatasetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("arrays-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Csv_rows_read_back_with_the_same_bits()
    {
        float[] awkward = [0.1f, -1e-38f, 3.4028235e38f, 1f / 3, -0f, 16777217f];
        var data = new ArrayDataset(new NDArray(awkward, 3, 2), new NDArray([7f, 0.3f, -2.5f], 3));
        string path = Path.Combine(_directory, "rows.csv");
        data.WriteCsv(path);
        var read = ArrayDataset.ReadCsv(path, inputSize: 2);
        Assert.Equal(awkward.Select(BitConverter.SingleToInt32Bits), read.X.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal([3], read.Y!.Shape);
        Assert.Equal([7f, 0.3f, -2.5f], read.Y.ToArray());
    }

    [Fact]
    public void Several_targets_per_row_become_a_matrix_and_comments_are_skipped()
    {
        string path = Path.Combine(_directory, "rows.csv");
        File.WriteAllText(path, "# x0,x1,y0,y1\n1,2,3,4\n\n5,6,7,8\n");
        var read = ArrayDataset.ReadCsv(path, inputSize: 2);
        Assert.Equal([2, 2], read.Y!.Shape);
        Assert.Equal([7f, 8f], read.Y.Sample(1).ToArray());
    }

    [Theory]
    [InlineData("1,2,3\n4,5\n", "rows.csv:2", "2 values, expected 3")]
    [InlineData("1,2,x\n", "rows.csv:1", "value 3 'x' is not a number")]
    [InlineData("1\n", "rows.csv:1", "1 values, expected 2")]
    public void A_bad_line_is_named_by_file_and_number(string text, string where, string reason)
    {
        string path = Path.Combine(_directory, "rows.csv");
        File.WriteAllText(path, text);
        var e = Assert.Throws<InvalidDataException>(() => ArrayDataset.ReadCsv(path, inputSize: 2));
        Assert.Contains(where, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Targets_must_have_a_row_per_sample()
    {
        var e = Assert.Throws<ArgumentException>(() => new ArrayDataset(new NDArray(new float[6], 3, 2), new NDArray(new float[2], 2)));
        Assert.Contains("y has 2 rows, x has 3", e.Message);
    }

    [Fact]
    public void Arrays_convert_row_major()
    {
        NDArray matrix = new float[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        Assert.Equal([2, 3], matrix.Shape);
        Assert.Equal(6f, matrix[1, 2]);
        Assert.Equal(matrix.ToArray(), NDArray.FromRows([[1, 2, 3], [4, 5, 6]]).ToArray());
        Assert.Throws<ArgumentException>(() => NDArray.FromRows([[1, 2], [3]]));
        Assert.Throws<ArgumentException>(() => new NDArray(new float[5], 2, 3));
        NDArray labels = new[] { 2, 0 };
        Assert.Equal([2f, 0f], labels.ToArray());
        Assert.Equal([4f, 5f, 6f], matrix.Slice(1, 1).ToArray());
    }
}
