using System.Text.RegularExpressions;
using DistributedSolver.Proto;
using DistributedSolver.Training;
using Google.Protobuf;

namespace DistributedSolver.Snapshots;

/// <summary>
/// Caffe's snapshot files under a prefix: <c>{prefix}_iter_{N}.caffemodel</c> (NetParameter with
/// blobs), <c>{prefix}_iter_{N}.solverstate</c> (SolverState with history) and this project's
/// <c>{prefix}_iter_{N}.resume.json</c>, each written atomically, the resume file last.
/// </summary>
public static partial class SnapshotStore
{
    public static SnapshotFiles FilesFor(string prefix, int iteration) => new(
        iteration,
        $"{prefix}_iter_{iteration}.caffemodel",
        $"{prefix}_iter_{iteration}.solverstate",
        $"{prefix}_iter_{iteration}.resume.json");

    public static void Write(SnapshotFiles files, NetParameter model, SolverState state, ResumeState resume)
    {
        AtomicFile.Write(files.Model, model.WriteTo);
        AtomicFile.Write(files.State, state.WriteTo);
        AtomicFile.Write(files.Resume, s => s.Write(resume.ToJson()));
    }

    public static NetParameter ReadModel(string path) => Read(path, NetParameter.Parser, "a .caffemodel (NetParameter)");

    public static SolverState ReadState(string path) => Read(path, SolverState.Parser, "a .solverstate (SolverState)");

    private static T Read<T>(string path, MessageParser<T> parser, string what) where T : IMessage<T>
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        try
        {
            using var stream = File.OpenRead(path);
            return parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not {what}, or truncated ({e.Message})", e);
        }
    }

    /// <summary>The resume file beside a .solverstate, by Caffe's naming.</summary>
    public static string ResumePathFor(string solverStatePath) =>
        Path.ChangeExtension(solverStatePath, null) + ".resume.json";

    /// <summary>The newest complete snapshot (all three files present) under <paramref name="prefix"/>, if any.</summary>
    public static SnapshotFiles? Newest(string prefix)
    {
        string full = Path.GetFullPath(prefix);
        string directory = Path.GetDirectoryName(full)!;
        string stem = Path.GetFileName(full);
        if (!Directory.Exists(directory)) return null;
        var pattern = IterationPattern();
        return Directory.EnumerateFiles(directory, $"{stem}_iter_*.resume.json")
            .Select(f => pattern.Match(Path.GetFileName(f)[stem.Length..]))
            .Where(m => m.Success)
            .Select(m => FilesFor(prefix, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .Where(f => File.Exists(f.Model) && File.Exists(f.State))
            .MaxBy(f => f.Iteration);
    }

    [GeneratedRegex(@"^_iter_(\d+)\.resume\.json$")]
    private static partial Regex IterationPattern();
}
