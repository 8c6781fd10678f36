namespace DistributedSolver.Training;

/// <summary>What a training run tells the outside: the console, the metrics file, later the cluster's metrics.</summary>
public interface ITrainingObserver
{
    void OnMessage(string message);

    void OnIteration(IterationReport report);

    void OnTest(TestReport report);

    void OnSnapshot(SnapshotFiles files);
}

/// <summary>A named value of a net output, with its loss weight (0 for metrics such as accuracy).</summary>
public sealed record OutputValue(string Name, float Value, float LossWeight);

/// <summary>
/// One finished iteration. <see cref="Display"/> is true on the iterations Caffe logs
/// (<c>display</c>); <see cref="Outputs"/> is filled only then. <see cref="LiveWorkers"/> is the
/// cluster's worker count when the iteration ran on one, null in one process.
/// </summary>
public sealed record IterationReport(
    int Iteration, int MaxIter, float SmoothedLoss, float LearningRate, double SamplesPerSecond,
    double IterationsPerSecond, bool Display, IReadOnlyList<OutputValue> Outputs, int? LiveWorkers = null);

public sealed record TestReport(int Iteration, int NetIndex, IReadOnlyList<OutputValue> Outputs, float? Loss);

public sealed record SnapshotFiles(int Iteration, string Model, string State, string Resume);
