using DistributedSolver.Training;

namespace DistributedSolver.Cli.Output;

/// <summary>Caffe's log lines, for redirected output.</summary>
internal sealed class LogLineReporter(CaffeLog log) : ConsoleReporter
{
    public override void Run(int startIteration, int maxIter, Action train) => train();

    public override void OnMessage(string message) => log.Write(message);

    public override void OnIteration(IterationReport report)
    {
        if (!report.Display) return;
        foreach (var line in IterationLines(report)) log.Write(line);
    }

    public override void OnTest(TestReport report)
    {
        foreach (var line in TestLines(report)) log.Write(line);
    }
}
