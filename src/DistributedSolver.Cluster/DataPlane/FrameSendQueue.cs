using Akka.Actor;

namespace DistributedSolver.Cluster.DataPlane;

/// <summary>
/// A connection actor's outgoing frames: bounded, written one at a time and in order, each
/// acknowledged to its sender once written. Being bounded is the back-pressure a sender sees: when
/// the peer stops reading, the pipe fills, writes stop completing, acks stop and requests beyond
/// the capacity are refused instead of held.
/// </summary>
internal sealed class FrameSendQueue(FrameKind direction, int capacity)
{
    private readonly Queue<Pending> _waiting = new();
    private Pending? _writing;

    public void Enqueue(SendTensor request, IActorRef sender, FrameLink? link, IActorRef self)
    {
        string? refusal = request.Kind != direction ? $"this connection sends {direction} frames, not {request.Kind}"
            : link is null ? "not connected"
            : _waiting.Count + (_writing is null ? 0 : 1) >= capacity ? $"send queue full ({capacity} frames)"
            : null;
        if (refusal is not null)
        {
            sender.Tell(new TensorNotSent(request, refusal));
            return;
        }
        _waiting.Enqueue(new Pending(request, sender));
        WriteNext(link!, self);
    }

    /// <summary>The frame being written reached the pipe: acknowledge it and start the next.</summary>
    public void OnWritten(FrameLink link, IActorRef self)
    {
        if (_writing is { } done) done.Sender.Tell(new TensorSent(done.Request));
        _writing = null;
        WriteNext(link, self);
    }

    /// <summary>Answers every frame not yet acknowledged: its connection is gone.</summary>
    public void FailAll(string reason)
    {
        if (_writing is { } writing) writing.Sender.Tell(new TensorNotSent(writing.Request, reason));
        _writing = null;
        while (_waiting.TryDequeue(out var waiting)) waiting.Sender.Tell(new TensorNotSent(waiting.Request, reason));
    }

    private void WriteNext(FrameLink link, IActorRef self)
    {
        if (_writing is not null || !_waiting.TryDequeue(out var next)) return;
        _writing = next;
        var r = next.Request;
        var header = FrameHeader.For(r.Kind, r.Iteration, r.Unit, r.UnitCount, r.WeightsVersion, r.Payload.Span, r.Offset);
        link.WriteAsync(header, r.Payload, CancellationToken.None).AsTask()
            .PipeTo(self, success: () => new Written(link), failure: e => new WriteFailed(link, e));
    }

    private sealed record Pending(SendTensor Request, IActorRef Sender);

    /// <summary>To the owning actor: the frame in flight on <paramref name="Link"/> is in its pipe.</summary>
    public sealed record Written(FrameLink Link) : INoSerializationVerificationNeeded;

    /// <summary>To the owning actor: writing to <paramref name="Link"/> failed; the link is broken.</summary>
    public sealed record WriteFailed(FrameLink Link, Exception Error) : INoSerializationVerificationNeeded;
}
