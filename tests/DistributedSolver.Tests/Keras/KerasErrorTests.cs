using DistributedSolver.Data;
using DistributedSolver.Keras;
using DistributedSolver.Optimizers;
using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using static DistributedSolver.Tests.Keras.KerasFixture;

namespace DistributedSolver.Tests.Keras;

/// <summary>Mistakes are refused at Compile or Fit (or when the layer is made), naming the layer or argument.</summary>
public sealed class KerasErrorTests
{
    private static T Refused<T>(Action action, params string[] parts) where T : Exception
    {
        var e = Assert.Throws<T>(action);
        foreach (string part in parts) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void Data_of_another_width_than_the_input_is_refused_at_Fit()
    {
        var (x, y) = Regression(10);
        var wide = new NDArray(new float[50], 10, 5);
        var e = Refused<ArgumentException>(() => CompiledRegression().Fit(wide, y, verbose: 0), "x has samples of shape (5)", "model's input is (3)");
        Assert.Equal("x", e.ParamName);
        Refused<ArgumentException>(() => CompiledRegression().Fit(x, y, verbose: 0, validationData: (wide, y)), "validationData.X");
    }

    [Fact]
    public void A_dense_layer_on_an_image_is_refused_at_Compile_with_the_fix()
    {
        var model = new Sequential().Add(new Input(1, 8, 8)).Add(new Dense(4));
        Refused<InvalidOperationException>(() => model.Compile(new Sgd(), "mse"), "Dense 'dense'", "(None, 1, 8, 8)", "Flatten()");
    }

    [Fact]
    public void A_kernel_larger_than_its_input_is_refused_at_Compile()
    {
        var model = new Sequential().Add(new Input(1, 4, 4)).Add(new Conv2D(2, 5, name: "wide")).Add(new Flatten()).Add(new Dense(1));
        Refused<InvalidOperationException>(() => model.Compile(new Sgd(), "mse"), "Conv2D 'wide'", "kernel 5x5 is larger than its input's height 4");
    }

    [Fact]
    public void Without_an_Input_the_shapes_are_checked_at_the_first_Fit()
    {
        var model = new Sequential().Add(new Conv2D(2, 3)).Add(new Flatten()).Add(new Dense(1)).Compile(new Sgd(), "mse");
        Refused<InvalidOperationException>(() => model.Fit(new NDArray(new float[8], 2, 1, 2, 2), new NDArray(new float[2], 2), verbose: 0),
            "Conv2D 'conv2d'", "kernel 3x3");
    }

    [Fact]
    public void Same_padding_that_Caffe_cannot_split_evenly_is_refused()
    {
        var model = new Sequential().Add(new Input(1, 6, 6)).Add(new Conv2D(2, 2, padding: "same")).Add(new Flatten()).Add(new Dense(1));
        Refused<InvalidOperationException>(() => model.Compile(new Sgd(), "mse"), "Conv2D 'conv2d'", "padding \"same\"", "odd kernel");
    }

    [Theory]
    [InlineData("activation")]
    [InlineData("kernelInitializer")]
    public void Unknown_activation_and_initializer_names_are_refused_naming_the_argument(string argument)
    {
        var e = Refused<ArgumentException>(() => _ = argument == "activation" ? new Dense(3, activation: "rleu") : new Dense(3, kernelInitializer: "he_normal"),
            "unknown", "known:");
        Assert.Equal(argument, e.ParamName);
        Assert.Equal("activation", Assert.Throws<ArgumentException>(() => new Activation("swish")).ParamName);
    }

    [Fact]
    public void Unknown_losses_and_metrics_are_refused_at_Compile_naming_the_argument()
    {
        Assert.Equal("loss", Refused<ArgumentException>(() => Mlp().Compile(new Sgd(), "msee"), "unknown loss 'msee'", "mse").ParamName);
        Assert.Equal("metrics", Refused<ArgumentException>(() => Mlp().Compile(new Sgd(), "mse", ["f1"]), "unknown metric 'f1'", "accuracy").ParamName);
        Assert.Equal("metrics", Refused<ArgumentException>(() => Mlp().Compile(new Sgd(), "mse", ["mae", "mae"]), "twice").ParamName);
    }

    [Fact]
    public void A_categorical_loss_without_a_softmax_output_is_refused_at_Compile()
    {
        Refused<InvalidOperationException>(() => Mlp(outputs: 3).Compile(new Sgd(), "sparse_categorical_crossentropy"),
            "sparse_categorical_crossentropy", "softmax", "'dense_2'");
        Refused<InvalidOperationException>(() => Mlp("softmax", outputs: 3).Compile(new Sgd(), "categorical_crossentropy", ["mae"]), "metric 'mae'", "class indices");
    }

    [Fact]
    public void Targets_with_another_row_count_or_width_are_refused_at_Fit()
    {
        var (x, y) = Regression(10);
        Assert.Equal("y", Refused<ArgumentException>(() => CompiledRegression().Fit(x, y.Slice(0, 9), verbose: 0), "y has 9 rows and x has 10").ParamName);
        Refused<ArgumentException>(() => CompiledRegression().Fit(x, new NDArray(new float[20], 10, 2), verbose: 0), "y has 2 values per sample", "output has 1", "mean_squared_error");
        Refused<ArgumentException>(() => CompiledRegression().Evaluate(x, y.Slice(0, 4)), "y has 4 rows");
    }

    [Fact]
    public void Class_targets_out_of_range_or_not_one_hot_are_refused_naming_the_row()
    {
        var (x, _) = Regression(4);
        var classes = Mlp("softmax", outputs: 3);
        classes.Compile(new Sgd(), "sparse_categorical_crossentropy");
        Refused<ArgumentException>(() => classes.Fit(x, new[] { 0, 1, 2, 3 }, verbose: 0), "y[3] = 3 is not a class index");
        classes.Compile(new Sgd(), "categorical_crossentropy");
        var soft = new NDArray([1, 0, 0, 0, 1, 0, 0.5f, 0.5f, 0, 0, 0, 1], 4, 3);
        Refused<ArgumentException>(() => classes.Fit(x, soft, verbose: 0), "y[2] is not a one-hot row");
    }

    [Fact]
    public void Fitting_before_Compile_and_bad_arguments_are_refused()
    {
        var (x, y) = Regression(10);
        Refused<InvalidOperationException>(() => Mlp().Fit(x, y, verbose: 0), "Compile");
        Assert.Equal("verbose", Assert.Throws<ArgumentOutOfRangeException>(() => CompiledRegression().Fit(x, y, verbose: 3)).ParamName);
        Assert.Equal("validationSplit", Assert.Throws<ArgumentOutOfRangeException>(() => CompiledRegression().Fit(x, y, verbose: 0, validationSplit: 1)).ParamName);
        Refused<ArgumentException>(() => CompiledRegression().Fit(x.Slice(0, 1), y.Slice(0, 1), verbose: 0, validationSplit: 0.5), "cannot be split");
        Refused<ArgumentException>(() => Mlp().Add(new Dense(1, name: "dense")), "layer name 'dense' is taken");
        Refused<ArgumentException>(() => Mlp().Add(new Dense(1, name: "loss")), "layer name 'loss' is taken");
        Refused<InvalidOperationException>(() => Mlp(input: false).Summary(), "no input shape yet");
    }

    [Fact]
    public void Weights_that_do_not_fit_the_saved_layers_are_refused_at_Load_naming_the_file()
    {
        string directory = Directory.CreateTempSubdirectory("keras-load-").FullName;
        try
        {
            Mlp().Save(directory);
            File.WriteAllText(Path.Combine(directory, "model.prototxt"), PrototxtWriter.Write(Mlp(outputs: 2).ToNetParameter()));
            Refused<InvalidDataException>(() => Sequential.Load(directory), "model.caffemodel", "dense_2");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_net_that_is_no_chain_of_Keras_layers_is_refused_naming_the_layer()
    {
        var net = PrototxtParser.Parse<NetParameter>("""
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 } } }
            layer { name: "a" type: "InnerProduct" bottom: "data" top: "a" inner_product_param { num_output: 2 weight_filler { type: "xavier" } } }
            layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "a" top: "sum" }
            """, "net.prototxt");
        Assert.Equal("net", Refused<ArgumentException>(() => Sequential.FromNetParameter(net), "layer 'sum' (Eltwise)", "chain").ParamName);
        net.Layer[1].InnerProductParam.WeightFiller.Type = "gaussian";
        Refused<ArgumentException>(() => Sequential.FromNetParameter(net), "layer 'a' (InnerProduct)", "filler 'gaussian'");
    }
}
