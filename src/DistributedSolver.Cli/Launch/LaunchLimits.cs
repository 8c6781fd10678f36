namespace DistributedSolver.Cli.Launch;

/// <summary>The bounds on every wait of the supervisor, so that the launcher always ends.</summary>
internal sealed record LaunchLimits
{
    /// <summary>
    /// How long the coordinator may take to print its start line. After that the other children
    /// start anyway: workers retry their seeds for 60 s on their own.
    /// </summary>
    public TimeSpan Ready { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After training is over, how long workers may take to exit on their own before SIGTERM.</summary>
    public TimeSpan WorkerExit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After SIGTERM, how long children may take to leave (the coordinator snapshots) before they are killed.</summary>
    public TimeSpan Stop { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a child exits, how long its last output may take to arrive: a grandchild may hold the pipe open.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);
}
