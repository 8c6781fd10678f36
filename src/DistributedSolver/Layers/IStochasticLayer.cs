namespace DistributedSolver.Layers;

/// <summary>
/// A layer that draws random numbers (Dropout's mask). Its draws are a function of
/// <see cref="RandomKey"/> alone; the net sets the key with each unit's data position, from
/// (random_seed, position, layer index), and a position names one (iteration, unit), so every
/// process that computes a unit draws the same (DESIGN.md, "The unit of work").
/// </summary>
public interface IStochasticLayer
{
    ulong RandomKey { get; set; }
}
