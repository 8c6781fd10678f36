namespace DistributedSolver.Training;

/// <summary>Tells several observers the same things, in order.</summary>
public sealed class CompositeObserver(params ITrainingObserver[] observers) : ITrainingObserver
{
    public void OnMessage(string message)
    {
        foreach (var o in observers) o.OnMessage(message);
    }

    public void OnIteration(IterationReport report)
    {
        foreach (var o in observers) o.OnIteration(report);
    }

    public void OnTest(TestReport report)
    {
        foreach (var o in observers) o.OnTest(report);
    }

    public void OnSnapshot(SnapshotFiles files)
    {
        foreach (var o in observers) o.OnSnapshot(files);
    }
}
