using DistributedSolver.Blobs;

namespace DistributedSolver.Nets;

/// <summary>A top no layer consumes (Caffe's net output), with its weight in the objective.</summary>
public sealed record NetOutput(string Name, Blob Blob, float LossWeight);
