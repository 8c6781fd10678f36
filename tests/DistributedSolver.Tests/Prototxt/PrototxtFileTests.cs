using DistributedSolver.Prototxt;

namespace DistributedSolver.Tests.Prototxt;

public sealed class PrototxtFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("prototxt-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadNetUpgradesV1()
    {
        string path = Write("net.prototxt", "name: 'n'\nlayers { name: 'ip' type: INNER_PRODUCT blobs_lr: 1 blobs_lr: 2 }\n");

        var net = PrototxtFile.LoadNet(path);

        Assert.Empty(net.Layers);
        var layer = Assert.Single(net.Layer);
        Assert.Equal("InnerProduct", layer.Type);
        Assert.Equal([1f, 2f], layer.Param.Select(p => p.LrMult));
    }

    [Fact]
    public void LoadSolverUpgradesSolverTypeAndInlineNets()
    {
        string path = Write("solver.prototxt", """
            solver_type: ADAM
            train_net_param { layers { name: 'r' type: RELU } }
            test_net_param { layers { name: 's' type: SIGMOID } }
            """);

        var solver = PrototxtFile.LoadSolver(path);

        Assert.Equal("Adam", solver.Type);
        Assert.Equal("ReLU", Assert.Single(solver.TrainNetParam.Layer).Type);
        Assert.Equal("Sigmoid", Assert.Single(Assert.Single(solver.TestNetParam).Layer).Type);
    }

    [Fact]
    public void ParseErrorsNameThePath()
    {
        string path = Write("bad.prototxt", "max_iter: 10\nbas_lr: 0.1\n");

        var e = Assert.Throws<PrototxtException>(() => PrototxtFile.LoadSolver(path));

        Assert.Equal(path, e.FileName);
        Assert.StartsWith($"{path}:2:1: unknown field 'bas_lr'", e.Message);
    }

    [Fact]
    public void MissingFileIsAPrototxtExceptionNamingThePath()
    {
        string path = Path.Combine(_directory, "nowhere", "solver.prototxt");

        var e = Assert.Throws<PrototxtException>(() => PrototxtFile.LoadSolver(path));

        Assert.Equal($"{path}: no such file", e.Message);
        Assert.Equal(0, e.Line);
        Assert.Throws<PrototxtException>(() => PrototxtFile.LoadNet(Path.Combine(_directory, "missing.prototxt")));
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
