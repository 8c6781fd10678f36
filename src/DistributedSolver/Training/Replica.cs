using DistributedSolver.Backend;
using DistributedSolver.Layers;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Randomness;

namespace DistributedSolver.Training;

/// <summary>
/// The nets of a training definition on one backend: the train net, the test nets sharing its
/// weights, and the runner of its units. What a worker holds, and what <see cref="Trainer"/> adds
/// a solver to. Built with the run's random seed, so fillers and every unit's randomness agree
/// on every node.
/// </summary>
public sealed class Replica
{
    public Replica(TrainingDefinition definition, IComputeBackend backend, long randomSeed, Action<string> log)
    {
        RandomSeed = randomSeed;
        Backend = backend;
        var context = new NetContext(definition.NetDirectory, DeterministicSeed.Mix(randomSeed), log) { Arrays = definition.Arrays };
        try
        {
            TrainNet = new Net(definition.TrainNet, Phase.Train, backend, context);
            TestNets = [.. definition.TestNets.Select(n => new Net(n, Phase.Test, backend, context, TrainNet))];
        }
        catch (NetConfigurationException e) when (definition.TrainNet.Name.Length > 0)
        {
            throw new NetConfigurationException($"net '{definition.TrainNet.Name}': {e.Message}", e);
        }
        Units = new UnitRunner(TrainNet, backend, definition.Solver.IterSize);
    }

    public long RandomSeed { get; }

    public IComputeBackend Backend { get; }

    public Net TrainNet { get; }

    public IReadOnlyList<Net> TestNets { get; }

    public UnitRunner Units { get; }

    /// <summary>
    /// The backend's arithmetic, unit size, units per iteration, test batch sizes and the train net's
    /// learnable parameters by layer and shape: equal on two nodes exactly when their units,
    /// gradients and weights line up, bit for bit.
    /// </summary>
    public string Layout =>
        $"{Backend.Arithmetic}; units of {TrainNet.BatchSize} samples, {Units.UnitsPerIteration} per iteration; test batches of [{string.Join(", ", TestNets.Select(n => n.BatchSize))}]; "
        + string.Join(", ", TrainNet.Parameters.Select(p => $"{p.LayerName}[{p.Index}] {string.Join('×', p.Blob.Shape)}"));
}
