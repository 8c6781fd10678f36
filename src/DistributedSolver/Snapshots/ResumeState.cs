using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistributedSolver.Snapshots;

/// <summary>
/// What exact resume needs beyond Caffe's .solverstate: the test nets' data positions and the
/// seed. The train data position follows from the iteration (DESIGN.md: units in index order).
/// Written last, so its presence marks a complete snapshot.
/// </summary>
public sealed record ResumeState(
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("iter")] int Iteration,
    [property: JsonPropertyName("random_seed")] long RandomSeed,
    [property: JsonPropertyName("test_positions")] IReadOnlyList<long> TestPositions)
{
    public const int CurrentFormat = 1;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true });

    public static ResumeState Read(string path)
    {
        ResumeState? state;
        try
        {
            state = JsonSerializer.Deserialize<ResumeState>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a resume file ({e.Message})", e);
        }
        if (state is null || state.Format != CurrentFormat || state.TestPositions is null)
            throw new InvalidDataException($"{path}: unsupported resume file (format {state?.Format}, expected {CurrentFormat})");
        if (state.Iteration < 0 || state.TestPositions.Any(p => p < 0))
            throw new InvalidDataException($"{path}: negative iteration or test position");
        return state;
    }
}
