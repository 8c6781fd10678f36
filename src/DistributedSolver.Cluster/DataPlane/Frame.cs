namespace DistributedSolver.Cluster.DataPlane;

/// <summary>A whole, checksum-verified frame as read off a connection; the payload is the receiver's to dispose.</summary>
internal readonly record struct Frame(FrameHeader Header, PooledPayload Payload);
