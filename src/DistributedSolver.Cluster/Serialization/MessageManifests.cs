using System.Collections.Frozen;
using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Cluster.Serialization;

/// <summary>
/// The wire names of the trainer's messages. Explicit keys, never CLR names, so renaming or moving a
/// class does not change the wire. Checked once at type initialization: a duplicate key, or an
/// <see cref="IClusterMessage"/> missing here, fails every node at start instead of dropping messages
/// at run time.
/// </summary>
internal static class MessageManifests
{
    // Keys of the wire-version handshake: sent without a version prefix because nodes of different
    // versions must read them, so these two formats never change.
    private static readonly (Type Type, string Key)[] Unversioned =
    [
        (typeof(WireVersionQuery), "wire-query"),
        (typeof(WireVersionAnswer), "wire-answer"),
    ];

    private static readonly (Type Type, string Key)[] Versioned =
    [
        (typeof(Ping), "ping"),
        (typeof(Pong), "pong"),
        (typeof(RegisterWorker), "reg-worker"),
        (typeof(WorkerRegistered), "worker-registered"),
        (typeof(Step), "step"),
        (typeof(WorkerRefused), "worker-refused"),
        (typeof(Evaluate), "evaluate"),
        (typeof(Evaluated), "evaluated"),
        (typeof(TrainingFinished), "finished"),
    ];

    private static readonly FrozenDictionary<Type, string> ManifestByType;
    private static readonly FrozenDictionary<string, Type> TypeByManifest;

    static MessageManifests()
    {
        var entries = Versioned.Select(e => (e.Type, Manifest: $"{Hosting.WireVersion.Current}:{e.Key}"))
            .Concat(Unversioned.Select(e => (e.Type, Manifest: e.Key)))
            .ToList();
        if (entries.GroupBy(e => e.Manifest).FirstOrDefault(g => g.Count() > 1) is { } sharedKey)
            throw new InvalidOperationException($"message manifest '{sharedKey.Key}' is used by {string.Join(" and ", sharedKey.Select(e => e.Type.Name))}");
        if (entries.GroupBy(e => e.Type).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"message type {twice.Key.Name} has more than one manifest");
        var missing = MessageTypes.Except(entries.Select(e => e.Type)).Select(t => t.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"no wire manifest for {string.Join(", ", missing)}: add it to {nameof(MessageManifests)}");
        ManifestByType = entries.ToFrozenDictionary(e => e.Type, e => e.Manifest);
        TypeByManifest = entries.ToFrozenDictionary(e => e.Manifest, e => e.Type);
    }

    /// <summary>Every concrete <see cref="IClusterMessage"/> of this assembly.</summary>
    internal static IEnumerable<Type> MessageTypes =>
        typeof(IClusterMessage).Assembly.GetTypes().Where(t => typeof(IClusterMessage).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false });

    internal static string For(Type type) =>
        ManifestByType.TryGetValue(type, out var manifest)
            ? manifest
            : throw new System.Runtime.Serialization.SerializationException($"{type.FullName} is not a trainer message (no wire manifest)");

    /// <summary>The type a peer's manifest names, or a message that says why there is none.</summary>
    internal static Type TypeOf(string manifest)
    {
        if (TypeByManifest.TryGetValue(manifest, out var type)) return type;
        int colon = manifest.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(manifest.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version)
            && version != Hosting.WireVersion.Current)
            throw new System.Runtime.Serialization.SerializationException(
                $"message '{manifest[(colon + 1)..]}' of wire version {version} from a peer; this node speaks wire version {Hosting.WireVersion.Current}");
        throw new System.Runtime.Serialization.SerializationException(
            $"unknown message manifest '{manifest}': not a DistributedSolver message of wire version {Hosting.WireVersion.Current}");
    }
}
