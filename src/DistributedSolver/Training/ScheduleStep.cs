namespace DistributedSolver.Training;

/// <summary>What <see cref="TrainingSchedule"/> asks its executor to do next.</summary>
public abstract record ScheduleStep;

/// <summary>
/// Test net <see cref="NetIndex"/>: <see cref="Batches"/> forward passes from sample
/// <see cref="Position"/> on the current weights; answer with <see cref="TrainingSchedule.TestDone"/>.
/// </summary>
public sealed record TestStep(int NetIndex, int Iteration, long Position, int Batches) : ScheduleStep;

/// <summary>
/// Iteration <see cref="Iteration"/>: every unit forward and backward, the tree sum, the solver
/// update; answer with <see cref="TrainingSchedule.IterationDone"/>, with the train net's outputs of
/// the last unit when <see cref="Display"/>.
/// </summary>
public sealed record TrainStep(int Iteration, bool Display) : ScheduleStep;

/// <summary>Snapshot the weights and solver state after <see cref="Iteration"/> updates; needs no answer.</summary>
public sealed record SnapshotStep(int Iteration) : ScheduleStep;

/// <summary>
/// Caffe's extra forward pass after the last update, to display the final loss: the train net on
/// unit 0 of <see cref="Iteration"/>; answer with <see cref="TrainingSchedule.DisplayForwardDone"/>.
/// </summary>
public sealed record DisplayForwardStep(int Iteration) : ScheduleStep;
