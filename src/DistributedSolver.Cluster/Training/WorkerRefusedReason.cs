using Akka.Actor;

namespace DistributedSolver.Cluster.Training;

/// <summary>Why a worker's node shut down when the coordinator refused it: its process exits non-zero.</summary>
public sealed class WorkerRefusedReason(string reason) : CoordinatedShutdown.Reason
{
    public string Reason => reason;

    public override int ExitCode => 1;

    public override string ToString() => $"refused by the coordinator: {reason}";
}
