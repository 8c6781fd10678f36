using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// Asks a data-plane connection to send a tensor. <see cref="Payload"/> stays the caller's: it is
/// copied once into the connection's send pipe, and must not change until <see cref="TensorSent"/>
/// (or <see cref="TensorNotSent"/>) for this request comes back.
/// </summary>
internal sealed record SendTensor(FrameKind Kind, int Iteration, int Unit, int UnitCount, long WeightsVersion, ReadOnlyMemory<byte> Payload, int Offset = 0) : INoSerializationVerificationNeeded;
