using DistributedSolver.Backend.Cpu;
using DistributedSolver.Data;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using DistributedSolver.Snapshots;
using DistributedSolver.Solvers;
using DistributedSolver.Training;
using Google.Protobuf;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's Sequential model over this project's Caffe core: the layers become a NetParameter
/// (ArrayData layers for the data, the Keras layers as Caffe layers, the loss and metric layers)
/// and the optimizer a SolverParameter, the same two messages a net and solver prototxt hold, and
/// <see cref="Fit"/> trains them with <see cref="Trainer"/>. <see cref="ExportTraining"/> writes
/// them as prototxt and CSV files that <c>dsolver train</c> and the cluster run with the same
/// bits.
/// </summary>
public sealed partial class Sequential
{
    internal const string DataBlob = "data";
    internal const string LabelBlob = "label";
    private const string LossName = "loss";
    private const string MemorySource = "x";
    private const string ModelFile = "model.prototxt";
    private const string WeightsFile = "model.caffemodel";

    private readonly List<KerasLayer> _layers = [];
    private int[]? _inputShape;
    private Compilation? _compilation;
    private NetParameter? _weights;
    private string _weightsSource = "the model's weights";

    /// <param name="seed">The run's random_seed: initial weights, the per-epoch shuffle and dropout
    /// masks all follow from it, as on the cluster. Without one a seed is drawn once for the model.</param>
    public Sequential(string name = "sequential", long? seed = null)
    {
        Name = name;
        Seed = seed ?? (Environment.TickCount64 & int.MaxValue);
    }

    public string Name { get; }

    public long Seed { get; }

    /// <summary>The layers after the input.</summary>
    public IReadOnlyList<KerasLayer> Layers => _layers;

    /// <summary>The trained or loaded weights by layer name, as a .caffemodel holds them; null while the seed's initial ones stand.</summary>
    internal NetParameter? Weights => _weights;

    /// <summary>One input sample's shape, once an <see cref="Input"/> or the first data gave it.</summary>
    public IReadOnlyList<int>? InputShape => _inputShape;

    /// <summary>Appends a layer, naming it as Keras does when it has no name ("dense", "dense_1", …).</summary>
    public Sequential Add(KerasLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is Input input)
        {
            if (_layers.Count > 0 || _inputShape is not null) throw new InvalidOperationException("Input can only be the model's first layer");
            _inputShape = [.. input.Shape];
            return this;
        }
        if (layer.Name is null)
        {
            int used = _layers.Count(l => l.DefaultName == layer.DefaultName);
            while (_layers.Any(l => l.Name == Numbered(layer.DefaultName, used))) used++;
            layer.Name = Numbered(layer.DefaultName, used);
        }
        if (layer.Name is DataBlob or LabelBlob or LossName || _layers.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"layer name '{layer.Name}' is taken (by another layer, or by the net's data, label or loss)", nameof(layer));
        _layers.Add(layer);
        return this;
    }

    private static string Numbered(string name, int index) => index == 0 ? name : $"{name}_{index}";

    /// <summary>Keras's compile, with an optimizer of <c>DistributedSolver.Optimizers</c>.</summary>
    public Sequential Compile(Optimizer optimizer, string loss, IReadOnlyList<string>? metrics = null) =>
        Compile(optimizer.ToSolverParameter(), loss, metrics);

    /// <summary>
    /// Compile with a Caffe SolverParameter, for what Keras's optimizers lack (an lr_policy, weight
    /// decay, Caffe's own epsilon placement). Fit sets the fields that follow from its arguments:
    /// max_iter, the test and display settings, random_seed.
    /// </summary>
    /// <param name="loss">mse, mae, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy (and the long names of the first two).</param>
    /// <param name="metrics">accuracy (or acc), mae, mse (and their long names).</param>
    public Sequential Compile(SolverParameter solver, string loss, IReadOnlyList<string>? metrics = null)
    {
        SolverValidation.Validate(solver);
        if (solver.IterSize != 1) throw new ArgumentException($"iter_size is {solver.IterSize}: Fit's batch is its batchSize, so iter_size must be 1", nameof(solver));
        var parsed = Loss.Parse(loss);
        metrics ??= [];
        foreach (string metric in metrics) Metric.Check(metric);
        if (metrics.Distinct().Count() != metrics.Count) throw new ArgumentException($"a metric is given twice in [{string.Join(", ", metrics)}]", nameof(metrics));
        if (_layers.FirstOrDefault(l => metrics.Contains(l.Name)) is { } clash)
            throw new ArgumentException($"metric '{clash.Name}' would name its layer like the model's layer '{clash.Name}'", nameof(metrics));
        if (_layers.Count == 0) throw new InvalidOperationException("the model has no layers to compile");
        var compilation = new Compilation(solver.Clone(), parsed, [.. metrics]);
        // The shapes are known only once there is an input; otherwise Fit checks them.
        if (_inputShape is { } shape) Resolve(shape, compilation);
        _compilation = compilation;
        return this;
    }

    /// <summary>
    /// Keras's fit: <paramref name="epochs"/> epochs of ceil(n / batchSize) steps over x and y,
    /// shuffled every epoch when <paramref name="shuffle"/>, starting from the current weights.
    /// With <paramref name="validationSplit"/> the last fraction of x and y (taken before any
    /// shuffling) is held out; <paramref name="validationData"/> replaces it.
    /// </summary>
    /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
    public History Fit(NDArray x, NDArray y, int batchSize = 32, int epochs = 1, int verbose = 1, double validationSplit = 0,
        (NDArray X, NDArray Y)? validationData = null, bool shuffle = true)
    {
        if (verbose is < 0 or > 2) throw new ArgumentOutOfRangeException(nameof(verbose), verbose, "verbose is 0, 1 or 2");
        var plan = PlanFit(x, y, batchSize, epochs, validationSplit, validationData, shuffle, files: false);
        var definition = new TrainingDefinition(plan.Solver, plan.Net, plan.Validation is null ? [] : [plan.Net], Directory.GetCurrentDirectory(), Name)
        {
            Arrays = plan.Validation is null
                ? new Dictionary<string, ArrayDataset> { [plan.TrainSource] = plan.Train }
                : new() { [plan.TrainSource] = plan.Train, [plan.ValidationSource] = plan.Validation },
        };
        var observer = new FitObserver(plan.StepsPerEpoch, epochs, plan.OutputNames, plan.Validation is not null, verbose, Console.Out);
        using var backend = new CpuBackend();
        var trainer = new Trainer(definition, backend, observer);
        CopyWeightsInto(trainer.TrainNet);
        trainer.Solve();
        _weights = LearnedBlobs(trainer.TrainNet);
        _weightsSource = "the model's weights";
        return observer.History;
    }

    /// <summary>
    /// Writes what <see cref="Fit"/> with the same arguments would train, as files the command
    /// line and the cluster read: <c>train.csv</c> (and <c>validation.csv</c>) with the samples as
    /// the loss reads them, <c>train_test.prototxt</c> and <c>solver.prototxt</c>. Training them
    /// with <c>dsolver train --solver DIR/solver.prototxt</c> ends with the weights Fit ends with,
    /// bit for bit, when the model starts untrained.
    /// </summary>
    public void ExportTraining(string directory, NDArray x, NDArray y, int batchSize = 32, int epochs = 1, double validationSplit = 0,
        (NDArray X, NDArray Y)? validationData = null, bool shuffle = true)
    {
        var plan = PlanFit(x, y, batchSize, epochs, validationSplit, validationData, shuffle, files: true);
        Directory.CreateDirectory(directory);
        plan.Train.WriteCsv(Path.Combine(directory, plan.TrainSource));
        plan.Validation?.WriteCsv(Path.Combine(directory, plan.ValidationSource));
        File.WriteAllText(Path.Combine(directory, "train_test.prototxt"), $"# {Name}: written by Sequential.ExportTraining\n" + PrototxtWriter.Write(plan.Net));
        var solver = plan.Solver.Clone();
        solver.Net = "train_test.prototxt";
        solver.Display = plan.StepsPerEpoch;
        solver.SnapshotAfterTrain = true;
        solver.SnapshotPrefix = $"snapshots/{Name}";
        File.WriteAllText(Path.Combine(directory, "solver.prototxt"), $"# {Name}: written by Sequential.ExportTraining\n" + PrototxtWriter.Write(solver));
    }

    /// <summary>Keras's evaluate: the loss and metrics over all of x and y, as in a validation pass.</summary>
    /// <param name="batchSize">The largest divisor of the sample count up to this is used, so every batch is whole and the mean is over the samples exactly.</param>
    public IReadOnlyDictionary<string, float> Evaluate(NDArray x, NDArray y, int batchSize = 32)
    {
        var compilation = _compilation ?? throw new InvalidOperationException("call Compile before Evaluate");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckRows(x, y, nameof(y));
        var resolved = ResolveFor(x, nameof(x), compilation);
        var data = new ArrayDataset(x, compilation.Loss.Targets(y, resolved.OutputSize, nameof(y)));
        int batch = LargestDivisor(data.Count, batchSize);
        var definition = Build(resolved, [ArrayData(resolved, MemorySource, batch, shuffle: false, targets: true)], compilation);
        using var backend = new CpuBackend();
        var net = Instantiate(definition, backend, data);
        var report = Trainer.Evaluate(net, new TestStep(0, 0, 0, data.Count / batch), computeLoss: false);
        return OutputNames(compilation).ToDictionary(n => n, n => report.Outputs.First(o => o.Name == n).Value);
    }

    /// <summary>Keras's predict: the model's output for every sample of x, shaped (samples, output…).</summary>
    public NDArray Predict(NDArray x, int batchSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (x.Length == 0) throw new ArgumentException("x has no samples", nameof(x));
        var resolved = ResolveFor(x, nameof(x), _compilation);
        int batch = Math.Min(batchSize, x.Length);
        using var backend = new CpuBackend();
        var definition = Build(resolved, [ArrayData(resolved, MemorySource, batch, shuffle: false, targets: false)], null);
        var net = Instantiate(definition, backend, new ArrayDataset(x));
        var output = net.Outputs.Single(o => o.Name == OutputBlob(definition)).Blob;
        int size = resolved.OutputSize;
        var predictions = new float[x.Length * size];
        // The last batch is completed with the first samples (ArrayData's order); their rows are dropped.
        for (int start = 0; start < x.Length; start += batch)
        {
            net.SetDataPosition(start);
            net.Forward();
            int rows = Math.Min(batch, x.Length - start);
            net.ReadValues(output).AsSpan(0, rows * size).CopyTo(predictions.AsSpan(start * size));
        }
        return new NDArray(predictions, [x.Length, .. resolved.OutputShape]);
    }

    /// <summary>
    /// The model as a Caffe deploy net: an Input layer of one sample (<c>input_param</c>) and the
    /// layers with their activations; no loss. <see cref="FromNetParameter"/> reads it back.
    /// </summary>
    public NetParameter ToNetParameter()
    {
        var shape = KnownInputShape;
        var input = new LayerParameter { Name = DataBlob, Type = "Input", InputParam = new InputParameter() };
        input.Top.Add(DataBlob);
        var sample = new BlobShape();
        sample.Dim.Add(1L);
        sample.Dim.Add(shape.Select(d => (long)d));
        input.InputParam.Shape.Add(sample);
        return Build(Resolve(shape, null), [input], null);
    }

    /// <summary>
    /// A model from a net prototxt: Keras's layers for its Caffe layers (InnerProduct → Dense,
    /// Convolution → Conv2D, …, a neuron layer after one folded into its activation), the input
    /// shape from its Input or ArrayData layer or <paramref name="inputShape"/>. Loss and accuracy
    /// layers are skipped (a SoftmaxWithLoss makes the last activation softmax); compile the model
    /// to train it.
    /// </summary>
    public static Sequential FromNetParameter(NetParameter net, IReadOnlyList<int>? inputShape = null, long? seed = null) =>
        NetImport.Read(net, inputShape, seed);

    /// <summary>Writes <c>model.prototxt</c> (<see cref="ToNetParameter"/>) and <c>model.caffemodel</c> (the weights) into <paramref name="directory"/>.</summary>
    public void Save(string directory)
    {
        string prototxt = PrototxtWriter.Write(ToNetParameter());
        var weights = _weights ?? CurrentWeights();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ModelFile), prototxt);
        AtomicFile.Write(Path.Combine(directory, WeightsFile), weights.WriteTo);
    }

    /// <summary>A model <see cref="Save"/> wrote, uncompiled (compile it again to train: the optimizer's state is not saved).</summary>
    public static Sequential Load(string directory, long? seed = null)
    {
        var model = FromNetParameter(PrototxtFile.LoadNet(Path.Combine(directory, ModelFile)), seed: seed);
        string weights = Path.Combine(directory, WeightsFile);
        model._weights = SnapshotStore.ReadModel(weights);
        model._weightsSource = weights;
        // Check the blobs against the layers now, so a mismatch names the file at load time.
        model.CurrentWeights();
        return model;
    }

    /// <summary>Keras's summary: each layer's output shape and parameter count, and the totals.</summary>
    public string Summary() => ModelSummary.Write(Name, Resolve(KnownInputShape, null));
}
