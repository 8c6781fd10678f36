using System.Runtime.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistributedSolver.Cluster.Hosting;
using DistributedSolver.Cluster.Messages;
using DistributedSolver.Cluster.Serialization;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace DistributedSolver.Cluster.Tests.Serialization;

public sealed class TrainerMessageSerializerTests() : TestKit(SerializationTestConfig.Node)
{
    private TrainerMessageSerializer Serializer => (TrainerMessageSerializer)Sys.Serialization.FindSerializerForType(typeof(Ping));

    [Fact]
    public void Every_message_type_of_the_assembly_has_a_manifest_and_a_sample()
    {
        var types = MessageManifests.MessageTypes.ToHashSet();
        Assert.Equal(types.OrderBy(t => t.Name), MessageSamples.All.Select(m => m.GetType()).OrderBy(t => t.Name));
        var manifests = types.Select(MessageManifests.For).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
        Assert.All(manifests, m => Assert.DoesNotContain('.', m));
    }

    [Fact]
    public void No_trainer_message_type_falls_back_to_another_serializer()
    {
        Assert.All(MessageManifests.MessageTypes, t => Assert.IsType<TrainerMessageSerializer>(Sys.Serialization.FindSerializerForType(t)));
    }

    [Theory]
    [MemberData(nameof(MessageSamples.Data), MemberType = typeof(MessageSamples))]
    public void Every_message_round_trips_through_the_systems_serializer(IClusterMessage message)
    {
        var serializer = Assert.IsType<TrainerMessageSerializer>(Sys.Serialization.FindSerializerFor(message));
        string manifest = AkkaSerialization.ManifestFor(serializer, message);
        var copy = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.True(MessageSamples.SameContent(message, copy), $"{message} came back as {copy}");
    }

    [Fact]
    public void Manifests_are_short_explicit_and_carry_the_wire_version()
    {
        Assert.Equal($"{WireVersion.Current}:step", Serializer.Manifest(new Step(0, 0, 0, 1, false)));
        Assert.Equal($"{WireVersion.Current}:reg-worker", Serializer.Manifest(new RegisterWorker("w", "")));
        Assert.Equal("wire-query", Serializer.Manifest(new WireVersionQuery(1)));
    }

    [Fact]
    public void Messages_sent_with_serialize_messages_on_arrive_as_equal_copies()
    {
        foreach (var message in MessageSamples.All)
        {
            TestActor.Tell(message);
            var received = ExpectMsg<IClusterMessage>();
            Assert.NotSame(message, received);
            Assert.True(MessageSamples.SameContent(message, received), $"{message} arrived as {received}");
        }
    }

    [Fact]
    public void An_unknown_manifest_is_named()
    {
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary([0x91, 0x01], $"{WireVersion.Current}:no-such-message"));
        Assert.Contains($"'{WireVersion.Current}:no-such-message'", e.Message);
    }

    [Fact]
    public void A_clr_type_name_is_not_a_manifest()
    {
        Assert.Throws<SerializationException>(() => Serializer.FromBinary([0x91, 0x01], typeof(Ping).FullName!));
    }

    [Fact]
    public void A_message_of_another_wire_version_is_refused_with_both_versions()
    {
        var bytes = Serializer.ToBinary(new Step(3, 1, 0, 1, false));
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, $"{WireVersion.Current + 1}:step"));
        Assert.Equal($"message 'step' of wire version {WireVersion.Current + 1} from a peer; this node speaks wire version {WireVersion.Current}", e.Message);
    }

    [Fact]
    public void Truncated_bytes_are_a_serialization_error()
    {
        var bytes = Serializer.ToBinary(new WorkerRegistered("worker-1", 5, "host", 4054, 42, [0, 4096]));
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes[..length], $"{WireVersion.Current}:worker-registered"));
            Assert.Contains($"'{WireVersion.Current}:worker-registered'", e.Message);
        }
    }

    [Fact]
    public void Trailing_bytes_are_a_serialization_error()
    {
        byte[] bytes = [.. Serializer.ToBinary(new Ping(1)), 0x00];
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, $"{WireVersion.Current}:ping"));
        Assert.Contains("after its end", e.Message);
    }

    [Fact]
    public void Nil_is_not_a_message()
    {
        Assert.Throws<SerializationException>(() => Serializer.FromBinary([0xC0], $"{WireVersion.Current}:ping"));
    }

    [Fact]
    public void Random_bytes_are_a_serialization_error_for_every_manifest()
    {
        var random = new Random(7311);
        foreach (var message in MessageSamples.All)
        {
            string manifest = Serializer.Manifest(message);
            for (int i = 0; i < 200; i++)
            {
                var bytes = new byte[random.Next(1, 64)];
                random.NextBytes(bytes);
                // A random prefix can happen to be a valid message; what must never happen is any other exception.
                try { Serializer.FromBinary(bytes, manifest); }
                catch (SerializationException e) { Assert.Contains($"'{manifest}'", e.Message); }
            }
        }
    }

    [Fact]
    public void The_identifier_reaches_this_serializer()
    {
        var bytes = Serializer.ToBinary(new Ping(5));
        Assert.Equal(new Ping(5), Sys.Serialization.Deserialize(bytes, 7311, $"{WireVersion.Current}:ping"));
    }

    [Fact]
    public void The_node_config_names_its_wire_version()
    {
        Assert.Equal(WireVersion.Current, Sys.Settings.Config.GetInt(WireVersion.ConfigKey));
    }

    [FsCheck.Xunit.Property]
    public bool Any_step_round_trips(int iteration, long version, int from, int to, bool display) =>
        RoundTrips(new Step(iteration, version, from, to, display));

    [FsCheck.Xunit.Property]
    public bool Any_worker_registration_round_trips(string workerId, long incarnation, string host, int port, long seed, int[] buckets) =>
        RoundTrips(new WorkerRegistered(workerId, incarnation, host, port, seed, buckets ?? []));

    private bool RoundTrips(IClusterMessage message) =>
        MessageSamples.SameContent(message, Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message)));
}
