namespace DistributedSolver.Prototxt;

/// <summary>
/// A prototxt file that cannot be read, parsed or upgraded. <see cref="Line"/> and
/// <see cref="Column"/> are 1-based; both are 0 when the problem belongs to the whole file (a
/// missing file, a net that cannot be upgraded).
/// </summary>
public sealed class PrototxtException : Exception
{
    public PrototxtException(string fileName, int line, int column, string reason, Exception? inner = null)
        : base(line > 0 ? $"{fileName}:{line}:{column}: {reason}" : $"{fileName}: {reason}", inner)
    {
        FileName = fileName;
        Line = line;
        Column = column;
    }

    public string FileName { get; }

    public int Line { get; }

    public int Column { get; }
}
