using System.CommandLine;
using DistributedSolver.Cli.Commands;

namespace DistributedSolver.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("dsolver: Caffe-compatible neural-network training for .NET")
        {
            TrainCommand.Create(),
            TestCommand.Create(),
            LaunchCommand.Create(),
            PlotCommand.Create(),
            ConfigCommand.Create(),
            NodeCommands.Coordinator(),
            NodeCommands.Worker(),
        };
        return root.Parse(args).Invoke();
    }
}
