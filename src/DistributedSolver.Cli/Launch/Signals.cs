using System.Runtime.InteropServices;

namespace DistributedSolver.Cli.Launch;

/// <summary>SIGTERM, which .NET's Process cannot send: its Kill is SIGKILL, which skips a node's graceful leave.</summary>
internal static partial class Signals
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM; a process that is already gone is not an error.</summary>
    public static void Terminate(int processId) => _ = Kill(processId, SigTerm);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
