using System.Globalization;
using System.Text.Json;
using DistributedSolver.Tests;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: its keyword (upper case) and the rest of its line(s).</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments);

/// <summary>One build stage: its FROM image, its alias, and its instructions after FROM.</summary>
internal sealed record DockerStage(string Image, string? Alias, IReadOnlyList<DockerInstruction> Instructions);

/// <summary>
/// A Dockerfile read the way the builder reads it (comments dropped, backslash continuations
/// joined, instructions split into stages at FROM). No Docker engine and no hadolint here, so the
/// tests check the essentials on this model instead of building the images.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    /// <summary>The UID the shipped images run as (deploy/Dockerfile's USER), which the pods' runAsUser must equal.</summary>
    public static int NonRootUid { get; } = int.Parse(
        Load("Dockerfile").Final.Instructions.Last(i => i.Keyword == "USER").Arguments.Split(':')[0], CultureInfo.InvariantCulture);

    public static Dockerfile Load(string name) => Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", name)));

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        string pending = "";
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            // Comment lines (also inside a continuation, as the builder skips them) and blank lines.
            if (line.TrimStart().StartsWith('#') || (line.Trim().Length == 0 && pending.Length == 0)) continue;
            if (line.EndsWith('\\')) { pending += line[..^1] + " "; continue; }
            string joined = (pending + line).Trim();
            pending = "";
            if (joined.Length == 0) continue;
            int space = joined.IndexOfAny([' ', '\t']);
            instructions.Add(space < 0
                ? new DockerInstruction(joined.ToUpperInvariant(), "")
                : new DockerInstruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim()));
        }

        var stages = new List<DockerStage>();
        DockerInstruction? from = null;
        var body = new List<DockerInstruction>();
        foreach (var instruction in instructions.Append(new DockerInstruction("FROM", "(end)")))
        {
            if (instruction.Keyword != "FROM") { body.Add(instruction); continue; }
            if (from is not null)
            {
                // FROM [--platform=...] image [AS name]
                var words = from.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                string? alias = words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                stages.Add(new DockerStage(words.FirstOrDefault() ?? "", alias, body));
            }
            from = instruction;
            body = [];
        }
        return new Dockerfile(stages);
    }

    /// <summary>The elements of an exec-form (JSON array) instruction, or null for the shell form.</summary>
    public static IReadOnlyList<string>? ExecForm(string arguments)
    {
        try { return JsonSerializer.Deserialize<string[]>(arguments); }
        catch (JsonException) { return null; }
    }
}
