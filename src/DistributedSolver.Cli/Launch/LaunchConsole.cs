namespace DistributedSolver.Cli.Launch;

/// <summary>
/// The launcher's stdout and stderr, shared by every child: each line is written whole under one
/// lock, with the name of whoever wrote it, so lines of different children never mix.
/// </summary>
internal sealed class LaunchConsole(TextWriter output, TextWriter error)
{
    private readonly Lock _gate = new();

    public void Child(string name, bool isError, string line)
    {
        lock (_gate) (isError ? error : output).WriteLine($"[{name}] {line}");
    }

    /// <summary>The launcher's own messages go to stderr, so stdout keeps only the children's (Caffe's) log lines.</summary>
    public void Launcher(string message)
    {
        lock (_gate) error.WriteLine($"[launch] {message}");
    }
}
