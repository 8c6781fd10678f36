namespace DistributedSolver.Cluster.Messages;

/// <summary>
/// Marks every message of the trainer. The HOCON binds this interface to the MessagePack
/// serializer, so no trainer message can fall back to Akka's JSON serializer.
/// </summary>
public interface IClusterMessage;
