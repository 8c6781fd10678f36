namespace DistributedSolver.Training;

/// <summary>
/// Caffe's Solver::Test averaging: each output summed over the test batches in batch order, then
/// divided by their number. Batches must be added in order, whoever evaluated them, so the mean
/// has the same bits in one process and on the cluster.
/// </summary>
public sealed class TestAccumulator(int iteration, int netIndex, int batches, bool computeLoss)
{
    private float[]? _sums;
    private IReadOnlyList<OutputValue> _first = [];
    private float _loss;
    private int _added;

    public bool IsComplete => _added == batches;

    public void Add(float loss, IReadOnlyList<OutputValue> outputs)
    {
        if (IsComplete) throw new InvalidOperationException($"all {batches} test batches were added already");
        _loss += loss;
        if (_sums is null)
        {
            _sums = new float[outputs.Count];
            _first = outputs;
        }
        if (outputs.Count != _sums.Length) throw new ArgumentException($"{outputs.Count} outputs, {_sums.Length} expected", nameof(outputs));
        for (int k = 0; k < outputs.Count; k++) _sums[k] += outputs[k].Value;
        _added++;
    }

    public TestReport Report()
    {
        if (!IsComplete) throw new InvalidOperationException($"{_added} of {batches} test batches added");
        var means = _first.Select((o, k) => o with { Value = _sums![k] / batches }).ToList();
        return new TestReport(iteration, netIndex, means, computeLoss ? _loss / batches : null);
    }
}
