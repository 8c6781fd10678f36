using Akka.Actor;
using Akka.Serialization;
using MessagePack;

namespace DistributedSolver.Cluster.Serialization;

// FIRST CUT (the wire helper completes it): MessagePack for every IClusterMessage.
public sealed class TrainerMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 7311;

    public override byte[] ToBinary(object obj) => MessagePackSerializer.Serialize(obj.GetType(), obj);

    public override string Manifest(object o) => o.GetType().FullName!;

    public override object FromBinary(byte[] bytes, string manifest) =>
        MessagePackSerializer.Deserialize(typeof(TrainerMessageSerializer).Assembly.GetType(manifest, throwOnError: true)!, bytes)!;
}
