using Akka.Actor;

namespace DistributedSolver.Cluster.Training;

/// <summary>
/// Asked of the coordinator singleton on its own node when the node leaves (SIGTERM): finish the
/// iteration in flight, write a snapshot and start nothing more, so the next singleton resumes
/// exactly there. Answered with <see cref="HandOverPrepared"/>. Local only.
/// </summary>
public sealed record PrepareHandOver : INoSerializationVerificationNeeded
{
    public static readonly PrepareHandOver Instance = new();
}

/// <summary>The coordinator has stopped; <paramref name="Snapshot"/> is what it wrote, null if none was needed or possible.</summary>
public sealed record HandOverPrepared(DistributedSolver.Training.SnapshotFiles? Snapshot) : INoSerializationVerificationNeeded;
