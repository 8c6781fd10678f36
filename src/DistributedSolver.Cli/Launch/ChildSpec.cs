namespace DistributedSolver.Cli.Launch;

/// <summary>What a child's exit means to the supervisor.</summary>
internal enum ChildRole
{
    /// <summary>The active coordinator: its exit ends the run, unless a standby takes over.</summary>
    Coordinator,

    /// <summary>Takes over when the coordinator fails.</summary>
    Standby,

    /// <summary>Computes; the run survives a worker's death.</summary>
    Worker,
}

/// <summary>
/// One child process as data. The supervisor runs whatever command line it is given, so its tests
/// supervise small shell programs instead of cluster nodes.
/// </summary>
internal sealed record ChildSpec(string Name, ChildRole Role, string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables set for the child; a null value removes an inherited one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Text of the output line by which the coordinator says it is up; the other children start
    /// after it. Null: start them at once.
    /// </summary>
    public string? ReadyMarker { get; init; }
}
