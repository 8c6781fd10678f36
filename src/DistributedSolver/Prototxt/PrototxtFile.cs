using DistributedSolver.Proto;

namespace DistributedSolver.Prototxt;

/// <summary>Loads solver and net prototxt files the way Caffe's ReadProtoFromTextFile + Upgrade*AsNeeded do.</summary>
public static class PrototxtFile
{
    /// <exception cref="PrototxtException">The file is missing, malformed, or cannot be upgraded.</exception>
    public static SolverParameter LoadSolver(string path)
    {
        var solver = PrototxtParser.Parse<SolverParameter>(ReadText(path), path);
        NetUpgrader.UpgradeSolverType(solver, path);
        // Inline nets take the same upgrade as net files, so a V1 net means the same in both places.
        foreach (var net in solver.TestNetParam.Append(solver.NetParam).Append(solver.TrainNetParam).OfType<NetParameter>())
        {
            NetUpgrader.UpgradeV1(net, path);
        }
        return solver;
    }

    /// <exception cref="PrototxtException">The file is missing, malformed, or cannot be upgraded.</exception>
    public static NetParameter LoadNet(string path)
    {
        var net = PrototxtParser.Parse<NetParameter>(ReadText(path), path);
        NetUpgrader.UpgradeV1(net, path);
        return net;
    }

    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PrototxtException(path, 0, 0, "no such file", e);
        }
    }
}
