namespace DistributedSolver.Cluster.DataPlane;

/// <summary>What a data-plane frame carries. The values are on the wire: never renumber.</summary>
internal enum FrameKind : byte
{
    /// <summary>Server → client: 32 random bytes the client must prove it can sign with the cluster token.</summary>
    Challenge = 1,

    /// <summary>Client → server: HMAC over the challenge, the incarnation and the node id, plus both in clear.</summary>
    Proof = 2,

    /// <summary>Server → client: the handshake succeeded; tensor frames may flow.</summary>
    Accepted = 3,

    /// <summary>Worker → parameter server: a (partial) gradient sum.</summary>
    Gradient = 4,

    /// <summary>Parameter server → worker: the weights of a version.</summary>
    Weights = 5,
}
