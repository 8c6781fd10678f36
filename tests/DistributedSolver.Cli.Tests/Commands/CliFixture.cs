namespace DistributedSolver.Cli.Tests.Commands;

/// <summary>A temporary working directory with a small solver and MLP over the shipped subset.</summary>
public sealed class CliWorkspace : IDisposable
{
    public CliWorkspace()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("dsolver-cli-").FullName;
        Write("net.prototxt", Net(DsolverProcess.SubsetPrefix("train"), DsolverProcess.SubsetPrefix("t10k")));
        Write("solver.prototxt", """
            net: "net.prototxt"
            test_iter: 5
            test_interval: 20
            base_lr: 0.01
            momentum: 0.9
            weight_decay: 0.0005
            lr_policy: "fixed"
            display: 10
            max_iter: 40
            snapshot: 20
            snapshot_prefix: "out/mlp"
            random_seed: 3
            """);
    }

    public string Directory { get; }

    public string PathOf(string name) => System.IO.Path.Combine(Directory, name);

    public void Write(string name, string text) => File.WriteAllText(PathOf(name), text);

    public static string Net(string train, string test, string extraLayer = "") => $$"""
        name: "small"
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                transform_param { scale: 0.00390625 } data_param { source: "{{train}}" batch_size: 32 } }
        layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                transform_param { scale: 0.00390625 } data_param { source: "{{test}}" batch_size: 50 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
                inner_product_param { num_output: 32 weight_filler { type: "xavier" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        {{extraLayer}}
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
                inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        layer { name: "accuracy" type: "Accuracy" bottom: "ip2" bottom: "label" top: "accuracy" include { phase: TEST } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """;

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
