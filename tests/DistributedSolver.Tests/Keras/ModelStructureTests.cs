using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using static DistributedSolver.Tests.Keras.KerasFixture;

namespace DistributedSolver.Tests.Keras;

/// <summary>The Caffe layers a model stands for, its summary, and nets read back as models.</summary>
public sealed class ModelStructureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("keras-structure-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Sequential Boston() => new Sequential("boston")
        .Add(new Input(13))
        .Add(new Dense(64, activation: "relu"))
        .Add(new Dense(64, activation: "relu"))
        .Add(new Dense(1));

    private static string Layers(NetParameter net) =>
        string.Join("\n", net.Layer.Select(l => $"{l.Name} {l.Type} [{string.Join(",", l.Bottom)}] -> [{string.Join(",", l.Top)}]"));

    [Fact]
    public void A_model_is_a_deploy_net_of_Caffe_layers_named_as_Keras_names_them()
    {
        Assert.Equal("""
            data Input [] -> [data]
            dense InnerProduct [data] -> [dense]
            dense_relu ReLU [dense] -> [dense]
            dense_1 InnerProduct [dense] -> [dense_1]
            dense_1_relu ReLU [dense_1] -> [dense_1]
            dense_2 InnerProduct [dense_1] -> [dense_2]
            """.ReplaceLineEndings("\n"), Layers(Boston().ToNetParameter()));
        var dense = Boston().ToNetParameter().Layer[1].InnerProductParam;
        Assert.Equal(new FillerParameter { Type = "xavier", VarianceNorm = FillerParameter.Types.VarianceNorm.Average }, dense.WeightFiller);
        Assert.Equal([1L, 13L], Boston().ToNetParameter().Layer[0].InputParam.Shape[0].Dim);
    }

    [Fact]
    public void Summary_is_Kerass_table()
    {
        // Keras's numbers for this model: 13·64 + 64, 64·64 + 64, 64 + 1.
        Assert.Equal("""
            Model: "boston"
            _________________________________________________________________
            Layer (type)                 Output Shape              Param #   
            =================================================================
            dense (Dense)                (None, 64)                896       
            _________________________________________________________________
            dense_1 (Dense)              (None, 64)                4160      
            _________________________________________________________________
            dense_2 (Dense)              (None, 1)                 65        
            =================================================================
            Total params: 5,121
            Trainable params: 5,121
            Non-trainable params: 0
            _________________________________________________________________

            """.ReplaceLineEndings("\n"), Boston().Summary());
    }

    private static Sequential EveryLayer() => new Sequential("every", seed: 2)
        .Add(new Input(2, 9, 9))
        .Add(new Conv2D(4, 3, padding: "same", activation: "relu", useBias: false))
        .Add(new Conv2D(4, 3, strides: 2, kernelInitializer: "lecun_uniform", biasInitializer: "ones") { BiasLearningRateMultiplier = 2 })
        .Add(new MaxPooling2D(2, 1))
        .Add(new Activation("tanh"))
        .Add(new ReLU(maxValue: 6, negativeSlope: 0.1f, threshold: 0.5f))
        .Add(new Flatten())
        .Add(new Dropout(0.3))
        .Add(new Dense(5, activation: "softmax"));

    [Fact]
    public void Every_layer_reads_back_from_its_net_as_itself()
    {
        var net = EveryLayer().ToNetParameter();
        var text = PrototxtWriter.Write(net);
        var again = Sequential.FromNetParameter(PrototxtParser.Parse<NetParameter>(text, "every.prototxt"));
        Assert.Equal(net, again.ToNetParameter());
        Assert.Equal(EveryLayer().Summary(), again.Summary());
    }

    [Fact]
    public void Caffes_LeNet_reads_as_a_Keras_model_with_a_softmax_output()
    {
        var net = PrototxtFile.LoadNet(Path.Combine(RepoPaths.Root, "examples", "fashion_mnist", "lenet_train_test.prototxt"));
        var model = Sequential.FromNetParameter(net, inputShape: [1, 28, 28]);
        Assert.Equal(["conv1", "pool1", "conv2", "pool2", "ip1_flatten", "ip1", "ip2"], model.Layers.Select(l => l.Name));
        Assert.Equal("relu", model.Layers[5].OutputActivation);
        Assert.Equal("softmax", model.Layers[6].OutputActivation);
        Assert.Equal(2f, ((Dense)model.Layers[6]).BiasLearningRateMultiplier);
        Assert.Contains("(None, 50, 4, 4)", model.Summary());
        Assert.Contains("Total params: 431,080", model.Summary()); // Caffe's LeNet: 520 + 25,050 + 400,500 + 5,010
    }

    [Fact]
    public void A_categorical_loss_trains_on_the_logits_and_predicts_through_the_softmax()
    {
        var (x, y) = Classes(12);
        var model = Mlp("softmax", outputs: 3).Compile(new Sgd(), "sparse_categorical_crossentropy", ["acc"]);
        model.ExportTraining(_directory, x, y, batchSize: 4, validationSplit: 0.25);
        var training = PrototxtFile.LoadNet(Path.Combine(_directory, "train_test.prototxt"));
        Assert.DoesNotContain(training.Layer, l => l.Type == "Softmax");
        Assert.Equal(["dense_2", "label"], training.Layer.Single(l => l.Name == "loss" && l.Type == "SoftmaxWithLoss").Bottom);
        Assert.Equal("Accuracy", training.Layer.Single(l => l.Name == "acc").Type);
        Assert.Equal("Softmax", model.ToNetParameter().Layer[^1].Type);
        var solver = PrototxtFile.LoadSolver(Path.Combine(_directory, "solver.prototxt"));
        Assert.Equal((3, 3, 1), (solver.MaxIter, solver.TestInterval, solver.TestIter.Single()));
        Assert.Equal(9, File.ReadAllLines(Path.Combine(_directory, "train.csv")).Length);
        // The validation rows are the last quarter of x, each followed by its class.
        var held = DistributedSolver.Data.ArrayDataset.ReadCsv(Path.Combine(_directory, "validation.csv"), inputSize: 3);
        Assert.Equal(x.Slice(9, 3).ToArray(), held.X.ToArray());
        Assert.Equal(y.Slice(9, 3).ToArray(), held.Y!.ToArray());
    }

    [Fact]
    public void Mse_and_mae_are_Kerass_losses_and_mae_a_metric_with_no_weight()
    {
        var (x, y) = Regression(8);
        CompiledRegression().ExportTraining(_directory, x, y);
        var net = PrototxtFile.LoadNet(Path.Combine(_directory, "train_test.prototxt"));
        Assert.Equal("MeanSquaredErrorLoss", net.Layer.Single(l => l.Name == "loss").Type);
        var mae = net.Layer.Single(l => l.Name == "mae");
        Assert.Equal(("MeanAbsoluteErrorLoss", 0f), (mae.Type, mae.LossWeight.Single()));
        Assert.True(net.Layer[0].ArrayDataParam.Shuffle);
    }
}
