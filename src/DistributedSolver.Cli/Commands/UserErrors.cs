using DistributedSolver.Layers;
using DistributedSolver.Prototxt;
using DistributedSolver.Solvers;

namespace DistributedSolver.Cli.Commands;

/// <summary>
/// The one place bad input becomes a message and exit code 1 instead of a stack trace: files,
/// fields and layers are named by the exceptions themselves.
/// </summary>
internal static class UserErrors
{
    public const int Failure = 1;

    public static int Run(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"dsolver: error: {e.Message}");
            return Failure;
        }
    }

    // Internal faults (InvalidOperationException, ArgumentException …) are not listed: they are bugs
    // and keep their stack trace.
    private static bool IsUserError(Exception e) => e is PrototxtException or NetConfigurationException
        or SolverConfigurationException or UsageException or IOException or InvalidDataException
        or UnauthorizedAccessException or DllNotFoundException or Cluster.Hosting.NodeSettingsException;
}
