using DistributedSolver.Snapshots;

namespace DistributedSolver.Tests.Snapshots;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dsolver-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_failed_write_leaves_neither_the_file_nor_a_temporary()
    {
        string path = Path.Combine(_directory, "m_iter_5.caffemodel");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full");
        }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void A_failed_rewrite_keeps_the_previous_complete_file()
    {
        string path = Path.Combine(_directory, "x.solverstate");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([9, 9]);
            throw new IOException("killed");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public void Newest_snapshot_ignores_incomplete_ones()
    {
        string prefix = Path.Combine(_directory, "net");
        foreach (int iter in new[] { 10, 20 })
        {
            var files = SnapshotStore.FilesFor(prefix, iter);
            File.WriteAllBytes(files.Model, []);
            File.WriteAllBytes(files.State, []);
            File.WriteAllBytes(files.Resume, []);
        }
        File.WriteAllBytes(SnapshotStore.FilesFor(prefix, 30).Model, []); // crashed before the rest
        File.Delete(SnapshotStore.FilesFor(prefix, 20).State);
        Assert.Equal(10, SnapshotStore.Newest(prefix)?.Iteration);
    }
}
