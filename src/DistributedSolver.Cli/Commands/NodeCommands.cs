using System.CommandLine;
using Akka.Actor;
using DistributedSolver.Cluster.Coordination;
using DistributedSolver.Cluster.Hosting;

namespace DistributedSolver.Cli.Commands;

/// <summary>
/// <c>dsolver coordinator</c> and <c>dsolver worker</c>: what each process (each pod) runs. Both
/// run until the node leaves (SIGTERM: coordinated shutdown) or is downed; a downed node exits 1
/// so its supervisor restarts it.
/// </summary>
internal static class NodeCommands
{
    public static Command Coordinator()
    {
        var cluster = new ClusterOptions();
        var command = new Command("coordinator", "Run a coordinator node (active or standby singleton)");
        cluster.AddTo(command);
        command.SetAction(result => UserErrors.Run(() =>
        {
            var settings = cluster.Settings(result, [ClusterRoles.Coordinator]);
            var node = ClusterNode.Start(settings);
            node.StartCoordinatorSingleton(CoordinatorActor.Props(settings.AdvertisedHost, settings.DataPlanePort));
            return Run(node);
        }));
        return command;
    }

    public static Command Worker()
    {
        var cluster = new ClusterOptions();
        var id = new Option<string?>("--id") { Description = "worker name (default: host:port)" };
        var command = new Command("worker", "Run a worker node") { id };
        cluster.AddTo(command);
        command.SetAction(result => UserErrors.Run(() =>
        {
            var settings = cluster.Settings(result, [ClusterRoles.Worker]);
            if (settings.Seeds.Count == 0) throw new UsageException("a worker needs at least one --seed host:port (or DSOLVER_SEEDS)");
            var node = ClusterNode.Start(settings);
            string workerId = result.GetValue(id) ?? $"{settings.AdvertisedHost}:{node.Cluster.SelfAddress.Port}";
            // Until the trainer's worker actor exists (distributed training), registration only logs.
            node.System.ActorOf(WorkerRegistration.Props(workerId, node.CoordinatorProxy(), ActorRefs.Nobody), "registration");
            return Run(node);
        }));
        return command;
    }

    private static int Run(ClusterNode node)
    {
        Console.WriteLine($"node {node.Cluster.SelfAddress} with roles [{string.Join(", ", node.Settings.Roles)}]");
        node.WhenTerminated.GetAwaiter().GetResult();
        // Left on purpose (SIGTERM) → 0; downed by the cluster, or no seed answered → 1, so a
        // supervisor restarts it.
        var reason = CoordinatedShutdown.Get(node.System).ShutdownReason;
        if (reason is CoordinatedShutdown.ClusterJoinUnsuccessfulReason)
        {
            Console.Error.WriteLine($"dsolver: error: no seed node answered ({string.Join(", ", node.Settings.Seeds)}); check the seeds and that they are spelled as those nodes advertise themselves");
            return 1;
        }
        Console.WriteLine($"node {node.Cluster.SelfAddress} stopped ({reason?.GetType().Name ?? "terminated"})");
        return reason is CoordinatedShutdown.ClusterDowningReason ? 1 : 0;
    }
}
