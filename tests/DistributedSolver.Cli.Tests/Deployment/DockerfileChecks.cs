using System.Globalization;

namespace DistributedSolver.Cli.Tests.Deployment;

/// <summary>
/// The essentials hadolint and a reviewer would look for in the shipped Dockerfiles, as a list of
/// problems (empty: the file is fine), so a deliberately bad Dockerfile can show each check fires.
/// </summary>
internal static class DockerfileChecks
{
    public static readonly int[] ContractPorts = [4053, 4054, 8080];

    public static List<string> Problems(Dockerfile dockerfile)
    {
        var problems = new List<string>();
        var stages = dockerfile.Stages;
        if (stages.Count < 2) problems.Add("not multi-stage: the SDK would ship in the image");
        if (stages.Count == 0) return problems;

        var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages)
        {
            // A FROM may name an earlier stage; any other image must be pinned.
            if (!aliases.Contains(stage.Image))
            {
                if (stage.Image.Contains('$')) problems.Add($"FROM {stage.Image}: a variable image cannot be checked as pinned");
                else if (DeploymentChecks.ImageProblem(stage.Image) is { } problem) problems.Add($"FROM {problem}");
            }
            if (stage.Alias is not null) aliases.Add(stage.Alias);
        }

        var final = dockerfile.Final;
        if (final.Image.Contains("/dotnet/sdk", StringComparison.OrdinalIgnoreCase)) problems.Add($"the final stage runs on the SDK image {final.Image}");

        var instructions = final.Instructions.ToList();
        int entrypoint = instructions.FindLastIndex(i => i.Keyword == "ENTRYPOINT");
        int user = instructions.FindLastIndex(i => i.Keyword == "USER");
        if (entrypoint < 0) problems.Add("the final stage has no ENTRYPOINT");
        else if (Dockerfile.ExecForm(instructions[entrypoint].Arguments) is not { Count: > 0 } command || (command[0] != "dsolver" && !command[0].EndsWith("/dsolver", StringComparison.Ordinal)))
            problems.Add($"ENTRYPOINT {instructions[entrypoint].Arguments} does not run dsolver in exec form");
        if (user < 0 || (entrypoint >= 0 && user > entrypoint)) problems.Add("the final stage sets no USER before ENTRYPOINT: it would run as root");
        else
        {
            string uid = instructions[user].Arguments.Split(':')[0];
            // Numeric: Kubernetes' runAsNonRoot can only verify a UID, not a user name.
            if (!int.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id == 0)
                problems.Add($"USER {instructions[user].Arguments} is not a numeric non-root UID");
        }

        var exposed = instructions.Where(i => i.Keyword == "EXPOSE")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('/')[0]).ToHashSet();
        foreach (int port in ContractPorts)
            if (!exposed.Contains(port.ToString(CultureInfo.InvariantCulture))) problems.Add($"port {port} is not EXPOSEd");

        // The CLI is published in a build stage and copied from there into the final one.
        var publishing = stages.Take(stages.Count - 1)
            .Where(s => s.Instructions.Any(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish src/DistributedSolver.Cli", StringComparison.Ordinal)))
            .Select(s => s.Alias).ToList();
        if (publishing.Count == 0) problems.Add("no build stage runs `dotnet publish src/DistributedSolver.Cli`");
        else if (!instructions.Any(i => i.Keyword == "COPY" && publishing.Any(alias => alias is not null && i.Arguments.Contains($"--from={alias} ", StringComparison.OrdinalIgnoreCase))))
            problems.Add("the final stage copies nothing from the stage that publishes the CLI");

        if (!instructions.Any(i => i.Keyword == "COPY" && i.Arguments.Contains("examples/fashion_mnist/fashion-mnist", StringComparison.Ordinal)
            && i.Arguments.TrimEnd('/').EndsWith("/opt/dsolver/data/fashion-mnist", StringComparison.Ordinal)))
            problems.Add("the example data is not copied to /opt/dsolver/data/fashion-mnist (DSOLVER_DATA_PATH)");
        return problems;
    }
}
