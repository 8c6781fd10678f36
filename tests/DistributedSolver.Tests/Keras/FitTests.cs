using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;
using static DistributedSolver.Tests.Keras.KerasFixture;

namespace DistributedSolver.Tests.Keras;

/// <summary>Fit, Evaluate and Predict: Keras's semantics on the Caffe core.</summary>
public sealed class FitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keras-fit-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Training_lowers_the_loss_and_the_history_has_Kerass_keys()
    {
        var (x, y) = Regression(96);
        var model = CompiledRegression();
        var history = model.Fit(x, y, batchSize: 16, epochs: 8, verbose: 0, validationSplit: 0.25);
        Assert.Equal(["loss", "mae", "val_loss", "val_mae"], history.Keys);
        Assert.Equal(8, history.Epochs);
        Assert.True(history["loss"][^1] < 0.5f * history["loss"][0], $"loss {history["loss"][0]} → {history["loss"][^1]}");
    }

    [Fact]
    public void An_epochs_loss_is_the_mean_over_its_steps_and_val_loss_what_Evaluate_gives_afterwards()
    {
        // One full batch per epoch, in order: the epoch's loss is the loss of the weights it
        // started with on all samples, which Evaluate computes with one batch of all of them.
        var (x, y) = Regression(40);
        var (vx, vy) = Regression(12, seed: 9);
        var model = CompiledRegression();
        var before = model.Evaluate(x, y, batchSize: 40);
        var history = model.Fit(x, y, batchSize: 40, epochs: 3, verbose: 0, validationData: (vx, vy), shuffle: false);
        Assert.Equal(before["loss"], history["loss"][0]);
        Assert.Equal(before["mae"], history["mae"][0]);
        var after = model.Evaluate(vx, vy, batchSize: 12);
        Assert.Equal(after["loss"], history["val_loss"][^1]);
        Assert.Equal(after["mae"], history["val_mae"][^1]);
    }

    [Fact]
    public void Validation_split_holds_out_the_last_samples_before_shuffling()
    {
        var (x, y) = Regression(40);
        var split = CompiledRegression();
        var a = split.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0, validationSplit: 0.25);
        var given = CompiledRegression();
        var b = given.Fit(x.Slice(0, 30), y.Slice(0, 30), batchSize: 8, epochs: 2, verbose: 0, validationData: (x.Slice(30, 10), y.Slice(30, 10)));
        Assert.Equal(Bits(a["val_loss"]), Bits(b["val_loss"]));
        Assert.Equal(Bits(split.Predict(x).ToArray()), Bits(given.Predict(x).ToArray()));
    }

    [Fact]
    public void Predict_gives_one_row_per_sample_whatever_the_batch()
    {
        var (x, y) = Regression(23);
        var model = CompiledRegression();
        model.Fit(x, y, batchSize: 5, epochs: 2, verbose: 0);
        var one = model.Predict(x, batchSize: 1);
        var seven = model.Predict(x, batchSize: 7);
        Assert.Equal([23, 1], seven.Shape);
        // The rows of a padded last batch land where they belong; a GEMM of another height may round differently.
        Assert.All(one.ToArray().Zip(seven.ToArray()), p => Assert.Equal(p.First, p.Second, 5));
        var classes = Mlp("softmax", outputs: 3).Compile(new Adam(), "sparse_categorical_crossentropy", ["accuracy"]);
        var probabilities = classes.Predict(x);
        Assert.Equal([23, 3], probabilities.Shape);
        for (int i = 0; i < 23; i++) Assert.Equal(1f, probabilities.Sample(i).ToArray().Sum(), 5);
    }

    [Fact]
    public void The_same_seed_trains_the_same_bits_and_another_seed_other_ones()
    {
        var (x, y) = Regression(30);
        float[] Train(long seed)
        {
            var model = CompiledRegression(seed);
            model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0);
            return model.Predict(x).ToArray();
        }
        Assert.Equal(Bits(Train(5)), Bits(Train(5)));
        Assert.NotEqual(Bits(Train(5)), Bits(Train(6)));
    }

    [Fact]
    public void A_second_fit_continues_from_the_weights_of_the_first()
    {
        var (x, y) = Regression(32);
        var model = CompiledRegression();
        var first = model.Fit(x, y, batchSize: 32, epochs: 2, verbose: 0, shuffle: false);
        var continued = model.Evaluate(x, y, batchSize: 32);
        var second = model.Fit(x, y, batchSize: 32, epochs: 1, verbose: 0, shuffle: false);
        Assert.Equal(continued["loss"], second["loss"][0]);
        Assert.True(second["loss"][0] < first["loss"][0]);
    }

    [Fact]
    public void Save_and_Load_give_the_same_predictions()
    {
        var (x, y) = Classes(50);
        var model = Mlp("softmax", outputs: 3).Compile(new Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"]);
        model.Fit(x, y, batchSize: 10, epochs: 3, verbose: 0);
        model.Save(_directory);
        var loaded = Sequential.Load(_directory);
        Assert.Equal(Bits(model.Predict(x).ToArray()), Bits(loaded.Predict(x).ToArray()));
        Assert.Equal(model.ToNetParameter(), loaded.ToNetParameter());
    }

    [Fact]
    public void A_binary_classifier_reports_binary_accuracy()
    {
        var (x, classes) = Classes(60);
        var y = new NDArray([.. classes.ToArray().Select(c => c == 2 ? 1f : 0f)], 60);
        var model = Mlp("sigmoid").Compile(new Adam(0.02, amsgrad: true), "binary_crossentropy", ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 10, epochs: 10, verbose: 0);
        var predicted = model.Predict(x).ToArray();
        float expected = predicted.Select((p, i) => (p > 0.5f ? 1f : 0f) == y[i, 0] ? 1f : 0f).Average();
        Assert.Equal(expected, model.Evaluate(x, y, batchSize: 60)["accuracy"], 6);
        Assert.True(history["accuracy"][^1] > 0.8f, $"accuracy {history["accuracy"][^1]}");
    }

    [Fact]
    public void One_hot_targets_train_the_categorical_loss_as_their_class_indices()
    {
        var (x, labels) = Classes(30);
        var oneHot = new NDArray([.. labels.ToArray().SelectMany(c => Enumerable.Range(0, 3).Select(k => k == (int)c ? 1f : 0f))], 30, 3);
        Sequential Compiled(string loss) => Mlp("softmax", outputs: 3).Compile(new Sgd(0.1), loss, ["accuracy"]);
        var categorical = Compiled("categorical_crossentropy").Fit(x, oneHot, batchSize: 6, epochs: 2, verbose: 0);
        var sparse = Compiled("sparse_categorical_crossentropy").Fit(x, labels, batchSize: 6, epochs: 2, verbose: 0);
        Assert.Equal(Bits(sparse["loss"]), Bits(categorical["loss"]));
    }
}
