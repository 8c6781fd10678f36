namespace DistributedSolver.Cluster.Hosting;

/// <summary>
/// The version of the trainer's message formats. Bump it whenever a message's MessagePack layout or
/// meaning changes: nodes of different versions then refuse each other instead of misreading bytes.
/// </summary>
public static class WireVersion
{
    public const int Current = 2;

    /// <summary>The HOCON key a node reads its wire version from (written by <see cref="HoconBuilder"/>).</summary>
    public const string ConfigKey = "dsolver.wire-version";
}
