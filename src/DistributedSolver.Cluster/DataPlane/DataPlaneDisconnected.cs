using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>An authenticated connection's socket is gone; frames not yet acknowledged were answered with <see cref="TensorNotSent"/>.</summary>
internal sealed record DataPlaneDisconnected(IActorRef Connection, string Peer, string Reason) : INoSerializationVerificationNeeded;
