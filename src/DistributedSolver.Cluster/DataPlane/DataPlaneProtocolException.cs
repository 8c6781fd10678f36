namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A peer broke the data-plane protocol (bad frame, failed handshake, stream cut mid-frame). The
/// message names the reason; the connection that raised it is closed and the node carries on.
/// </summary>
internal sealed class DataPlaneProtocolException(string reason) : Exception(reason);
