using DistributedSolver.Cluster.Messages;

namespace DistributedSolver.Cluster.Tests.Serialization;

/// <summary>One instance of every trainer message, and structural equality for records that hold arrays.</summary>
internal static class MessageSamples
{
    public static readonly IReadOnlyList<IClusterMessage> All =
    [
        new Ping(42),
        new Pong(-7),
        new RegisterWorker("worker-3", "ip1 512×784, ip1 512"),
        new WorkerRegistered("worker-3", 9_000_000_001L, "coordinator-0.coordinator", 4054, 1701, [0, 262_656]),
        new WorkerRefused("worker-3", "another net"),
        new Step(1876, 1876L, 4, 8, true),
        new Evaluate(Evaluate.TrainNet, 100L, 6400L, 3, 2),
        new Evaluated(0, 100L, 3, [0.5f, 0.25f], [0.875f, 0.5f, 0.75f, 0.25f]),
        new TrainingFinished(true, "Optimization Done."),
        new WireVersionQuery(1),
        new WireVersionAnswer(2),
    ];

    public static TheoryData<IClusterMessage> Data => [.. All];

    /// <summary>Records compare arrays by reference; the wire must preserve their elements.</summary>
    public static bool SameContent(object expected, object actual) =>
        expected.GetType() == actual.GetType()
        && expected.GetType().GetProperties().All(p => (p.GetValue(expected), p.GetValue(actual)) switch
        {
            (Array a, Array b) => a.Cast<object>().SequenceEqual(b.Cast<object>()),
            var (a, b) => Equals(a, b),
        });
}
