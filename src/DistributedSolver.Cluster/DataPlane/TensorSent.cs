using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>The request's frame is in the send pipe (below the pause threshold); its buffer is the caller's again.</summary>
internal sealed record TensorSent(SendTensor Request) : INoSerializationVerificationNeeded;
