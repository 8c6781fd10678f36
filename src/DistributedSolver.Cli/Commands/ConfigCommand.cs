using System.CommandLine;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cli.Commands;

/// <summary><c>dsolver config --show</c>: the HOCON a node would run with, from the same settings (secrets redacted).</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var show = new Option<bool>("--show") { Description = "print the node's HOCON", Required = true };
        var role = new Option<string>("--role") { Description = "coordinator or worker", DefaultValueFactory = _ => ClusterRoles.Worker };
        var command = new Command("config", "Show the cluster configuration a node would use") { show, role };
        cluster.AddTo(command);
        command.SetAction(result => UserErrors.Run(() =>
        {
            Console.Write(HoconBuilder.Build(cluster.Settings(result, [result.GetRequiredValue(role)]), redactSecrets: true));
            return 0;
        }));
        return command;
    }
}
