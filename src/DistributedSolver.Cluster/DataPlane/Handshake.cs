using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// Proves that a peer holds the cluster token and serves the current incarnation, without either
/// crossing the wire: the server sends a fresh random challenge, the client answers
/// HMAC-SHA256(token; challenge ‖ incarnation ‖ node id). A peer that fails is disconnected
/// without an answer, so a stranger on the port learns nothing but a challenge. With TLS on, the
/// TLS handshake comes first, under the same deadline: a peer without the cluster certificate
/// does not even see the challenge.
/// </summary>
internal static class Handshake
{
    public const int ChallengeSize = 32;
    public const int MaxNodeIdBytes = 256;
    private const int MacSize = HMACSHA256.HashSizeInBytes;
    private const int MaxProofSize = MacSize + sizeof(long) + MaxNodeIdBytes;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The server's side; returns the authenticated peer's node id.</summary>
    public static Task<string> AcceptAsync(FrameLink link, DataPlaneSettings settings, long incarnation, CancellationToken cancellation) =>
        WithDeadline(settings, cancellation, async deadline =>
        {
            await link.SecureAsync(deadline).ConfigureAwait(false);
            byte[] challenge = RandomNumberGenerator.GetBytes(ChallengeSize);
            await link.WriteAsync(FrameHeader.For(FrameKind.Challenge, challenge), challenge, deadline).ConfigureAwait(false);
            using var proof = await ReadAsync(link, FrameKind.Proof, MaxProofSize, "the peer closed the connection before proving its token", deadline)
                .ConfigureAwait(false);
            string nodeId = Verify(proof.Span, challenge, settings, incarnation, link.Peer);
            await link.WriteAsync(FrameHeader.For(FrameKind.Accepted, []), ReadOnlyMemory<byte>.Empty, deadline).ConfigureAwait(false);
            return nodeId;
        });

    /// <summary>The client's side: answers the challenge and waits to be accepted.</summary>
    public static Task ConnectAsync(FrameLink link, DataPlaneSettings settings, long incarnation, string nodeId, CancellationToken cancellation)
    {
        byte[] id = StrictUtf8.GetBytes(nodeId);
        if (id.Length > MaxNodeIdBytes) throw new ArgumentException($"node id is {id.Length} bytes in UTF-8; at most {MaxNodeIdBytes}", nameof(nodeId));
        return WithDeadline(settings, cancellation, async deadline =>
        {
            await link.SecureAsync(deadline).ConfigureAwait(false);
            byte[] proof;
            using (var challenge = await ReadAsync(link, FrameKind.Challenge, ChallengeSize, "the server closed the connection before its challenge", deadline)
                .ConfigureAwait(false))
            {
                if (challenge.Length != ChallengeSize)
                    throw new DataPlaneProtocolException($"challenge of {challenge.Length} bytes (expected {ChallengeSize})");
                proof = Proof(challenge.Span, settings, incarnation, id);
            }
            await link.WriteAsync(FrameHeader.For(FrameKind.Proof, proof), proof, deadline).ConfigureAwait(false);
            using var accepted = await ReadAsync(link, FrameKind.Accepted, 0,
                "the server refused the handshake: wrong cluster token or stale incarnation (its log says which)", deadline).ConfigureAwait(false);
            return true;
        });
    }

    private static string Verify(ReadOnlySpan<byte> proof, ReadOnlySpan<byte> challenge, DataPlaneSettings settings, long incarnation, string peer)
    {
        if (proof.Length < MacSize + sizeof(long)) throw new DataPlaneProtocolException($"proof of {proof.Length} bytes from {peer} is too short");
        long claimed = BinaryPrimitives.ReadInt64LittleEndian(proof[MacSize..]);
        var id = proof[(MacSize + sizeof(long))..];
        byte[] expected = Proof(challenge, settings, claimed, id);
        if (!CryptographicOperations.FixedTimeEquals(proof, expected)) throw new DataPlaneProtocolException($"wrong token from {peer}");
        string nodeId;
        try
        {
            nodeId = StrictUtf8.GetString(id);
        }
        catch (DecoderFallbackException)
        {
            throw new DataPlaneProtocolException($"node id from {peer} is not UTF-8");
        }
        if (claimed != incarnation)
            throw new DataPlaneProtocolException($"stale incarnation {claimed}, current {incarnation} (node '{nodeId}' at {peer})");
        return nodeId;
    }

    /// <summary>MAC ‖ incarnation ‖ node id: the proof frame's payload.</summary>
    private static byte[] Proof(ReadOnlySpan<byte> challenge, DataPlaneSettings settings, long incarnation, ReadOnlySpan<byte> nodeId)
    {
        byte[] signed = [.. challenge, .. new byte[sizeof(long)], .. nodeId];
        BinaryPrimitives.WriteInt64LittleEndian(signed.AsSpan(challenge.Length), incarnation);
        byte[] proof = new byte[MacSize + sizeof(long) + nodeId.Length];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(settings.ClusterToken), signed, proof);
        signed.AsSpan(challenge.Length).CopyTo(proof.AsSpan(MacSize));
        return proof;
    }

    private static async Task<PooledPayload> ReadAsync(FrameLink link, FrameKind expected, int maxPayload, string whenClosed, CancellationToken cancellation)
    {
        var frame = await link.ReadAsync(maxPayload, cancellation).ConfigureAwait(false)
            ?? throw new DataPlaneProtocolException(whenClosed);
        if (frame.Header.Kind == expected) return frame.Payload;
        frame.Payload.Dispose();
        throw new DataPlaneProtocolException($"{frame.Header.Kind} frame during the handshake (expected {expected})");
    }

    private static async Task<T> WithDeadline<T>(DataPlaneSettings settings, CancellationToken cancellation, Func<CancellationToken, Task<T>> handshake)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(settings.HandshakeTimeout);
        try
        {
            return await handshake(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new DataPlaneProtocolException($"no handshake within {settings.HandshakeTimeout.TotalSeconds:0.###} s");
        }
    }
}
