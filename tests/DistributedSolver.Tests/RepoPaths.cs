namespace DistributedSolver.Tests;

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shipped Fashion-MNIST subset by absolute path, so tests never depend on the Debian package.</summary>
    public static string SubsetPrefix(string split) => Path.Combine(Root, "examples", "fashion_mnist", "fashion-mnist", split);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DistributedSolver.sln"))) return dir.FullName;
        throw new InvalidOperationException("DistributedSolver.sln not found above " + AppContext.BaseDirectory);
    }
}
