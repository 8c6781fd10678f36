using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// What the coordinator singleton needs on whichever coordinator node it starts: how to build the
/// trainer (the master weights and solver; a resume from the newest snapshot goes in there), the
/// node's settings (its data plane), and who hears about progress.
/// </summary>
public sealed record CoordinatorSettings(Func<Trainer> CreateTrainer, NodeSettings Node, ITrainingObserver Observer)
{
    /// <summary>Workers that must have registered before the first iteration starts.</summary>
    public int MinWorkers { get; init; } = 1;

    /// <summary>How long a started run waits without any live worker before it fails (after a final snapshot).</summary>
    public TimeSpan NoWorkerTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A node still outstanding this many times the typical node's latency (the lower median of the
    /// recent ones) gets a backup copy on another worker; the first to arrive is used, the math is
    /// the same either way.
    /// </summary>
    public double BackupAfterMedianMultiple { get; init; } = 3.0;

    /// <summary>The least time before a backup copy, so that jitter on fast iterations sends none.</summary>
    public TimeSpan MinBackupDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The wait before a backup copy while no latency has been measured yet.</summary>
    public TimeSpan InitialBackupDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least size of a gradient bucket (<see cref="GradientBuckets"/>): buckets after the first
    /// travel, sum and update while the worker's earlier layers still compute. 1 MB, as the first
    /// bucket of PyTorch DDP; smaller buckets overlap more and cost more frames.
    /// </summary>
    public int MinBucketBytes { get; init; } = 1 << 20;

    /// <summary>Pins the incarnation (tests); a random one per singleton start otherwise.</summary>
    public long? FixedIncarnation { get; init; }

    /// <summary>Called once when the run ends, on the coordinator's thread.</summary>
    public Action<TrainingOutcome> Finished { get; init; } = _ => { };
}

/// <summary>How a distributed run ended.</summary>
public sealed record TrainingOutcome(bool Succeeded, int Iteration, string Message);
