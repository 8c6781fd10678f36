using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using MessagePack;

namespace DistributedSolver.Cluster.Serialization;

/// <summary>
/// Akka serializer for every <see cref="Messages.IClusterMessage"/> (bound in HOCON by HoconBuilder):
/// MessagePack with explicit keys, the message named by a short versioned manifest ("1:step").
/// </summary>
public sealed class TrainerMessageSerializer : SerializerWithStringManifest
{
    public TrainerMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        // Akka builds its serializers when the system starts: a broken manifest registry fails
        // the start, not the first message that needs it.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(MessageManifests).TypeHandle);
    }

    // Written into every message on the wire, so it can never change. Akka reserves 1–100 and does not
    // detect a collision (AKKA-NOTES: messages are dropped at run time), so this is an arbitrary number
    // far from Akka's own serializers; a test checks no serializer of a default cluster system uses it.
    public const int Id = 7311;

    private static readonly MessagePackSerializerOptions WriteOptions = MessagePackSerializerOptions.Standard;

    // Peers' bytes are untrusted: bounded nesting and hash-collision-resistant maps.
    private static readonly MessagePackSerializerOptions ReadOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public override int Identifier => Id;

    public override string Manifest(object o) => MessageManifests.For(o.GetType());

    public override byte[] ToBinary(object obj) =>
        MessagePackSerializer.Serialize(obj.GetType(), obj, WriteOptions);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var type = MessageManifests.TypeOf(manifest);
        try
        {
            var reader = new MessagePackReader(bytes);
            object? message = MessagePackSerializer.Deserialize(type, ref reader, ReadOptions);
            if (!reader.End)
                throw new SerializationException($"message '{manifest}' ({bytes.Length} bytes) has {bytes.Length - reader.Consumed} bytes after its end");
            return message ?? throw new SerializationException($"message '{manifest}' ({bytes.Length} bytes) is nil");
        }
        catch (MessagePackSerializationException e)
        {
            throw new SerializationException($"message '{manifest}' ({bytes.Length} bytes) is malformed: {e.InnerException?.Message ?? e.Message}", e);
        }
    }
}
