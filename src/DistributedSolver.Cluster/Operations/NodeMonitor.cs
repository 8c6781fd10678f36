using Akka.Actor;
using Prometheus;

namespace DistributedSolver.Cluster.Operations;

/// <summary>
/// What a node's operations endpoint shows: its Prometheus metrics, in a registry of its own (tests
/// run several nodes in one process), and whether a worker holds current weights. An Akka
/// extension, so each actor updates the figures it owns where they happen.
/// </summary>
public sealed class NodeMonitor : IExtension
{
    private volatile string _weights = "no weights yet";

    public NodeMonitor()
    {
        var metrics = Metrics.WithCustomRegistry(Registry);
        Iteration = metrics.CreateGauge("dsolver_iteration", "The last iteration trained.");
        Loss = metrics.CreateGauge("dsolver_loss", "The training loss at the last iteration, smoothed over average_loss iterations as Caffe displays it.");
        LearningRate = metrics.CreateGauge("dsolver_learning_rate", "The learning rate of the last iteration (lr_policy applied).");
        SamplesPerSecond = metrics.CreateGauge("dsolver_samples_per_second", "Training samples per second since the last display.");
        LiveWorkers = metrics.CreateGauge("dsolver_live_workers", "Workers registered with the coordinator.");
        UnitsResent = metrics.CreateCounter("dsolver_units_resent_total", "Units of an iteration sent again: a lost worker's, or a backup copy of a slow one's.");
        GradientsDropped = metrics.CreateCounter("dsolver_gradients_dropped_total", "Gradient frames the parameter server dropped unapplied, by reason.", labelNames: ["reason"]);
        var bytes = metrics.CreateCounter("dsolver_data_plane_bytes_total", "Bytes of tensor frames on the data plane (headers included), by direction.", labelNames: ["direction"]);
        DataPlaneBytesSent = bytes.WithLabels("sent");
        DataPlaneBytesReceived = bytes.WithLabels("received");
        WeightsVersion = metrics.CreateGauge("dsolver_weights_version", "The weights version this worker computes on; -1 before it has any.");
        WeightsVersion.Set(-1);
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Gauge Iteration { get; }
    public Gauge Loss { get; }
    public Gauge LearningRate { get; }
    public Gauge SamplesPerSecond { get; }
    public Gauge LiveWorkers { get; }
    public Counter UnitsResent { get; }
    public Counter GradientsDropped { get; }
    public Counter.Child DataPlaneBytesSent { get; }
    public Counter.Child DataPlaneBytesReceived { get; }
    public Gauge WeightsVersion { get; }

    /// <summary>Null while this node's worker holds the current weights, else why it does not.</summary>
    public string? WorkerNotReady => _weights.Length == 0 ? null : _weights;

    public static NodeMonitor Get(ActorSystem system) => system.WithExtension<NodeMonitor, NodeMonitorProvider>();

    /// <summary>The worker holds every bucket of <paramref name="version"/>.</summary>
    public void HoldsWeights(long version)
    {
        WeightsVersion.Set(version);
        _weights = "";
    }

    /// <summary>The worker cannot compute on current weights until <paramref name="reason"/> is over.</summary>
    public void LacksWeights(string reason) => _weights = reason;
}

public sealed class NodeMonitorProvider : ExtensionIdProvider<NodeMonitor>
{
    public override NodeMonitor CreateExtension(ExtendedActorSystem system) => new();
}
