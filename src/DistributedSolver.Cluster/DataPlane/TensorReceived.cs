using System.Buffers;
using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A whole, checksum-verified tensor frame from an authenticated peer. The owner disposes
/// <see cref="Payload"/> (a pooled buffer) when done with it, and may answer on <see cref="Connection"/>
/// with <see cref="SendTensor"/>.
/// </summary>
internal sealed record TensorReceived(FrameHeader Header, IMemoryOwner<byte> Payload, IActorRef Connection, string Peer) : INoSerializationVerificationNeeded;
