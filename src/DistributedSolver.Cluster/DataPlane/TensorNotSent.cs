using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>The request was refused (queue full, not connected, wrong direction) or lost with its connection.</summary>
internal sealed record TensorNotSent(SendTensor Request, string Reason) : INoSerializationVerificationNeeded;
