using MessagePack;

namespace DistributedSolver.Cluster.Messages;

/// <summary>The coordinator's word to its workers that the run is over: they leave the cluster and exit.</summary>
[MessagePackObject]
public sealed record TrainingFinished([property: Key(0)] bool Succeeded, [property: Key(1)] string Message) : IClusterMessage;
