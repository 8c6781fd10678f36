using DistributedSolver.Training;

namespace DistributedSolver.Cluster.Operations;

/// <summary>Feeds the coordinator's progress to its node's metrics (the roster's size is set where it changes).</summary>
public sealed class MonitorObserver(NodeMonitor monitor) : ITrainingObserver
{
    public void OnIteration(IterationReport report)
    {
        monitor.Iteration.Set(report.Iteration);
        monitor.Loss.Set(report.SmoothedLoss);
        monitor.LearningRate.Set(report.LearningRate);
        monitor.SamplesPerSecond.Set(report.SamplesPerSecond);
    }

    public void OnMessage(string message)
    {
    }

    public void OnTest(TestReport report)
    {
    }

    public void OnSnapshot(SnapshotFiles files)
    {
    }
}
