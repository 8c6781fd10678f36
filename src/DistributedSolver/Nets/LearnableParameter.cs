using DistributedSolver.Blobs;

namespace DistributedSolver.Nets;

/// <summary>A learnable blob with its multipliers (Caffe's ParamSpec) and its place in the flat buffers.</summary>
public sealed record LearnableParameter(Blob Blob, string LayerName, int Index, float LrMult, float DecayMult, int Offset);
