using DistributedSolver.Backend.Cpu;
using DistributedSolver.Data;
using DistributedSolver.Nets;
using DistributedSolver.Proto;
using DistributedSolver.Layers;
using DistributedSolver.Randomness;

namespace DistributedSolver.Keras;

/// <summary>How a Sequential turns into the NetParameters and SolverParameter it trains and runs.</summary>
public sealed partial class Sequential
{
    private const string SourceTrain = "train";
    private const string SourceValidation = "validation";

    /// <summary>What Compile fixed: the solver before Fit's settings, the loss, the metric names.</summary>
    private sealed record Compilation(SolverParameter Solver, Loss Loss, IReadOnlyList<string> Metrics);

    /// <summary>What a Fit trains: the solver and net, the samples by source name, Keras's steps per epoch.</summary>
    private sealed record FitPlan(SolverParameter Solver, NetParameter Net, ArrayDataset Train, ArrayDataset? Validation,
        string TrainSource, string ValidationSource, int StepsPerEpoch, IReadOnlyList<string> OutputNames);

    private FitPlan PlanFit(NDArray x, NDArray y, int batchSize, int epochs, double validationSplit, (NDArray X, NDArray Y)? validationData, bool shuffle, bool files)
    {
        var compilation = _compilation ?? throw new InvalidOperationException("call Compile before Fit");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        if (validationSplit is < 0 or >= 1 || double.IsNaN(validationSplit))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, "validationSplit is a fraction in [0, 1)");
        CheckRows(x, y, nameof(y));
        var resolved = ResolveFor(x, nameof(x), compilation);
        (NDArray X, NDArray Y, string Argument)? held = null;
        if (validationData is { } given)
        {
            ResolveFor(given.X, "validationData.X", compilation);
            CheckRows(given.X, given.Y, "validationData.Y");
            held = (given.X, given.Y, "validationData.Y");
        }
        else if (validationSplit > 0)
        {
            // Keras's train_validation_split: the last samples, taken before any shuffling.
            int splitAt = (int)Math.Floor(x.Length * (1 - validationSplit));
            if (splitAt == 0 || splitAt == x.Length)
                throw new ArgumentException($"{x.Length} samples cannot be split into training and validation samples at validationSplit {validationSplit}", nameof(validationSplit));
            held = (x.Slice(splitAt, x.Length - splitAt), y.Slice(splitAt, x.Length - splitAt), nameof(y));
            (x, y) = (x.Slice(0, splitAt), y.Slice(0, splitAt));
        }
        if (x.Length == 0) throw new ArgumentException("x has no samples", nameof(x));
        var train = new ArrayDataset(x, compilation.Loss.Targets(y, resolved.OutputSize, nameof(y)));
        var validation = held is { } h ? new ArrayDataset(h.X, compilation.Loss.Targets(h.Y, resolved.OutputSize, h.Argument)) : null;

        // A batch larger than the data is one step over all of it, as in Keras.
        int batch = Math.Min(batchSize, train.Count);
        int steps = (train.Count + batch - 1) / batch;
        var solver = compilation.Solver.Clone();
        // The nets are the model's: a template read from a solver file may name others.
        solver.ClearNet();
        solver.NetParam = null;
        solver.ClearTrainNet();
        solver.TrainNetParam = null;
        solver.TestNet.Clear();
        solver.TestNetParam.Clear();
        solver.MaxIter = checked(epochs * steps);
        solver.RandomSeed = Seed;
        // Every iteration reports its outputs: Keras's running means need each step's values.
        solver.Display = 1;
        solver.AverageLoss = 1;
        solver.Snapshot = 0;
        solver.SnapshotAfterTrain = false;
        solver.TestIter.Clear();
        solver.TestInitialization = false;
        solver.TestInterval = 0;
        string trainSource = files ? "train.csv" : SourceTrain, validationSource = files ? "validation.csv" : SourceValidation;
        List<LayerParameter> data = [ArrayData(resolved, trainSource, batch, shuffle, targets: true, Phase.Train)];
        if (validation is not null)
        {
            // Whole batches only, so the mean over the batches is the mean over the samples.
            int validationBatch = LargestDivisor(validation.Count, batchSize);
            data.Add(ArrayData(resolved, validationSource, validationBatch, shuffle: false, targets: true, Phase.Test));
            solver.TestIter.Add(validation.Count / validationBatch);
            // After every epoch, as Keras validates.
            solver.TestInterval = steps;
        }
        return new FitPlan(solver, Build(resolved, data, compilation), train, validation, trainSource, validationSource, steps, OutputNames(compilation));
    }

    private static void CheckRows(NDArray x, NDArray y, string argument)
    {
        if (y.Length != x.Length) throw new ArgumentException($"{argument} has {y.Length} rows and x has {x.Length}: one target row per sample", argument);
    }

    /// <summary>The largest divisor of <paramref name="count"/> that is at most <paramref name="limit"/>.</summary>
    private static int LargestDivisor(int count, int limit)
    {
        for (int d = Math.Min(count, limit); d > 1; d--)
            if (count % d == 0) return d;
        return 1;
    }

    private static IReadOnlyList<string> OutputNames(Compilation compilation) => [LossName, .. compilation.Metrics];

    private static LayerParameter ArrayData(ResolvedModel model, string source, int batch, bool shuffle, bool targets, Phase? phase = null)
    {
        var p = new ArrayDataParameter { Source = source, BatchSize = (uint)batch, Shape = new BlobShape { Dim = { model.InputShape.Select(d => (long)d) } } };
        if (shuffle) p.Shuffle = true;
        var layer = new LayerParameter { Name = DataBlob, Type = "ArrayData", ArrayDataParam = p };
        layer.Top.Add(DataBlob);
        if (targets) layer.Top.Add(LabelBlob);
        if (phase is { } only) layer.Include.Add(new NetStateRule { Phase = only });
        return layer;
    }

    /// <summary>The layers' shapes from <paramref name="inputShape"/>, checked, and with a compilation its loss and metrics checked against the output.</summary>
    private ResolvedModel Resolve(int[] inputShape, Compilation? compilation)
    {
        if (_layers.Count == 0) throw new InvalidOperationException("the model has no layers");
        var layers = new List<(KerasLayer, int[], int[])>();
        var shape = inputShape;
        foreach (var layer in _layers)
        {
            var output = layer.OutputShape(shape);
            layers.Add((layer, shape, output));
            shape = output;
        }
        var model = new ResolvedModel(inputShape, layers, []);
        if (compilation is null) return model;
        var loss = compilation.Loss;
        if (loss.TakesLogits && (_layers[^1].OutputActivation != "softmax" || shape.Length != 1 || shape[0] < 2))
            throw new InvalidOperationException($"loss '{loss.Name}' needs a (batch, classes) output of 2 or more classes with a softmax: "
                + $"the last layer '{_layers[^1].Name}' gives {KerasLayer.Describe(shape)} with activation {_layers[^1].OutputActivation ?? "linear"} "
                + "(the loss trains as Caffe's SoftmaxWithLoss on the logits)");
        return model with { Metrics = [.. compilation.Metrics.Select(m => Metric.Resolve(m, model.OutputSize, loss))] };
    }

    private int[] KnownInputShape => _inputShape ?? throw new InvalidOperationException("the model has no input shape yet: add an Input or call Fit");

    /// <summary>
    /// <see cref="Resolve"/> for data <paramref name="x"/>: a model without an input shape takes
    /// x's (Keras builds on the first data); otherwise x's samples must have the input's shape.
    /// </summary>
    private ResolvedModel ResolveFor(NDArray x, string argument, Compilation? compilation)
    {
        int[] sample = x.SampleShape.Count == 0 ? [1] : [.. x.SampleShape];
        if (_inputShape is null)
        {
            var model = Resolve(sample, compilation);
            _inputShape = sample;
            return model;
        }
        if (!sample.SequenceEqual(_inputShape))
            throw new ArgumentException($"{argument} has samples of shape ({string.Join(", ", sample)}) and the model's input is ({string.Join(", ", _inputShape)})", argument);
        return Resolve(_inputShape, compilation);
    }

    /// <summary>
    /// The net: <paramref name="data"/>, the layers, and with a compilation the loss and metric
    /// layers. A loss that takes logits leaves out the last layer's softmax and computes it itself.
    /// </summary>
    private NetParameter Build(ResolvedModel model, IEnumerable<LayerParameter> data, Compilation? compilation)
    {
        bool fuse = compilation?.Loss.TakesLogits ?? false;
        var net = new NetBuilder(Name);
        net.Net.Layer.Add(data);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var (layer, input, _) = model.Layers[i];
            layer.Emit(net, input, withActivation: !(fuse && i == model.Layers.Count - 1));
        }
        if (compilation is null) return net.Net;
        string output = net.Top;
        AddScalar(net, LossName, compilation.Loss.CaffeType, output, LossName, lossWeight: null);
        foreach (var metric in model.Metrics)
            AddScalar(net, metric.Name, metric.CaffeType, output, metric.Name, metric.IsLossLayer ? 0f : null);
        return net.Net;
    }

    private static void AddScalar(NetBuilder net, string name, string type, string output, string top, float? lossWeight)
    {
        var layer = new LayerParameter { Name = name, Type = type, Bottom = { output, LabelBlob }, Top = { top } };
        if (lossWeight is { } weight) layer.LossWeight.Add(weight);
        net.Net.Layer.Add(layer);
    }

    /// <summary>The blob a net without loss ends with: the last layer's top.</summary>
    private static string OutputBlob(NetParameter net) => net.Layer[^1].Top[0];

    /// <summary>A TEST-phase net reading <paramref name="data"/> from memory, with the model's weights.</summary>
    private Net Instantiate(NetParameter definition, CpuBackend backend, ArrayDataset data)
    {
        var context = new NetContext(Directory.GetCurrentDirectory(), DeterministicSeed.Mix(Seed))
        {
            Arrays = new Dictionary<string, ArrayDataset> { [MemorySource] = data },
        };
        var net = new Net(definition, Phase.Test, backend, context);
        CopyWeightsInto(net);
        return net;
    }

    /// <summary>
    /// Loads the model's weights into <paramref name="net"/>. An untrained model has none: every
    /// net of it fills its weights from the model's seed, in the same layer order, so they agree.
    /// </summary>
    private void CopyWeightsInto(Net net)
    {
        if (_weights is not null) net.CopyTrainedLayersFrom(_weights, _weightsSource);
    }

    /// <summary>The layers of <paramref name="net"/> that have weights, as a .caffemodel holds them.</summary>
    private NetParameter LearnedBlobs(Net net)
    {
        var weights = new NetParameter { Name = Name };
        weights.Layer.Add(net.ToProto().Layer.Where(l => l.Blobs.Count > 0));
        return weights;
    }

    /// <summary>The current weights: the trained or loaded ones checked against the layers, or the seed's initial ones.</summary>
    private NetParameter CurrentWeights()
    {
        var shape = KnownInputShape;
        var model = Resolve(shape, null);
        using var backend = new CpuBackend();
        var sample = new ArrayDataset(new NDArray(new float[model.InputShape.Aggregate(1, (a, d) => a * d)], [1, .. shape]));
        return LearnedBlobs(Instantiate(Build(model, [ArrayData(model, MemorySource, 1, shuffle: false, targets: false)], null), backend, sample));
    }
}
