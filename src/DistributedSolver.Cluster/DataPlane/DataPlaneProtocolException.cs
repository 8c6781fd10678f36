namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A peer broke the data-plane protocol (bad frame, failed handshake, stream cut mid-frame). The
/// message names the reason; the connection that raised it is closed and the node carries on.
/// </summary>
internal sealed class DataPlaneProtocolException(string reason) : Exception(reason)
{
    /// <summary>Why a connection ended, for its log line: protocol reasons as they are, I/O failures with their type.</summary>
    public static string Describe(Exception error) =>
        error is DataPlaneProtocolException ? error.Message : $"{error.GetType().Name}: {error.Message}";
}
