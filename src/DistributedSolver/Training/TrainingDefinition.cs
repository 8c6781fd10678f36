using DistributedSolver.Data;
using DistributedSolver.Prototxt;
using DistributedSolver.Proto;
using DistributedSolver.Solvers;

namespace DistributedSolver.Training;

/// <summary>
/// A solver.prototxt with its nets resolved as Caffe does: <c>net</c>/<c>net_param</c> gives the
/// train net and one test net (the TEST phase of the same definition); <c>train_net</c> and
/// <c>test_net</c> name them separately. Net paths are tried relative to the working directory
/// (Caffe) and then to the solver file's directory.
/// </summary>
public sealed record TrainingDefinition(
    SolverParameter Solver, NetParameter TrainNet, IReadOnlyList<NetParameter> TestNets,
    string NetDirectory, string SnapshotPrefix)
{
    /// <summary>In-memory samples for the nets' ArrayData layers, by source name (the C# API's arrays); empty for files.</summary>
    public IReadOnlyDictionary<string, ArrayDataset> Arrays { get; init; } = new Dictionary<string, ArrayDataset>();

    public static TrainingDefinition Load(string solverPath)
    {
        var solver = PrototxtFile.LoadSolver(solverPath);
        string solverDirectory = Path.GetDirectoryName(Path.GetFullPath(solverPath))!;
        SolverValidation.Validate(solver);

        string netDirectory = solverDirectory;
        NetParameter LoadNet(string field, string path)
        {
            string resolved = File.Exists(path) ? path : Path.Combine(solverDirectory, path);
            if (!File.Exists(resolved))
                throw new FileNotFoundException($"{solverPath}: {field} '{path}' not found (tried it relative to the working directory and to {solverDirectory})", path);
            netDirectory = Path.GetDirectoryName(Path.GetFullPath(resolved))!;
            return PrototxtFile.LoadNet(resolved);
        }

        int trainSources = (solver.HasNet ? 1 : 0) + (solver.NetParam is null ? 0 : 1) + (solver.HasTrainNet ? 1 : 0) + (solver.TrainNetParam is null ? 0 : 1);
        if (trainSources != 1)
            throw new SolverConfigurationException("net", $"exactly one of net, net_param, train_net, train_net_param must be given, found {trainSources}");
        var shared = solver.HasNet ? LoadNet("net", solver.Net) : solver.NetParam;
        var train = shared ?? (solver.HasTrainNet ? LoadNet("train_net", solver.TrainNet) : solver.TrainNetParam!);

        var tests = new List<NetParameter>(solver.TestNetParam);
        tests.AddRange(solver.TestNet.Select(t => LoadNet("test_net", t)));
        // Caffe: each test_iter value beyond the explicit test nets is a TEST-phase copy of the generic net.
        while (shared is not null && tests.Count < solver.TestIter.Count) tests.Add(shared);
        if (solver.TestIter.Count != tests.Count)
            throw new SolverConfigurationException("test_iter", $"{solver.TestIter.Count} test_iter values for {tests.Count} test nets");
        if (solver.TestState.Count > 0 || solver.TrainState is not null)
            throw new SolverConfigurationException("train_state", "train_state and test_state are not supported yet; use include { phase } rules");

        string prefix = solver.HasSnapshotPrefix ? solver.SnapshotPrefix
            : Path.Combine(Path.GetDirectoryName(solverPath) ?? "", Path.GetFileNameWithoutExtension(solverPath));
        return new TrainingDefinition(solver, train, tests, netDirectory, prefix);
    }
}
