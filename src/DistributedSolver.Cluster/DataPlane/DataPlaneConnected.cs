using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>A connection passed its handshake; <see cref="Connection"/> takes <see cref="SendTensor"/> from now on.</summary>
internal sealed record DataPlaneConnected(IActorRef Connection, string Peer) : INoSerializationVerificationNeeded;
