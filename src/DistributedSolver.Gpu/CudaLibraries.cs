using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace DistributedSolver.Gpu;

/// <summary>
/// Points ILGPU's native imports at the names CUDA installs in real containers. ILGPU imports the
/// driver as <c>cuda</c>, which .NET probes as <c>libcuda.so</c>: a runtime image ships only
/// <c>libcuda.so.1</c> (the development symlink is absent), and ILGPU then silently reports no
/// device. ILGPU.Algorithms imports cuBLAS as <c>libcublas.so.12</c> (then .11, .10), so a
/// CUDA 13 machine, which has only <c>libcublas.so.13</c>, would lose cuBLAS.
/// </summary>
internal static class CudaLibraries
{
    private static readonly string[] DriverNames = ["libcuda.so.1", "libcuda.so"];
    private static readonly string[] CuBlasNames = ["libcublas.so.12", "libcublas.so.13"];
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the resolvers once per process (.NET allows one per assembly).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            NativeLibrary.SetDllImportResolver(typeof(ILGPU.Context).Assembly, Resolve);
            NativeLibrary.SetDllImportResolver(typeof(ILGPU.Runtime.Cuda.CuBlas).Assembly, Resolve);
            _installed = true;
        }
    }

    /// <summary>The file names tried for an import name; empty for imports left to .NET's own probing.</summary>
    internal static IReadOnlyList<string> Candidates(string libraryName) => libraryName switch
    {
        "cuda" or "libcuda.so" or "libcuda.so.1" => DriverNames,
        "libcublas.so.12" or "libcublas.so.13" => CuBlasNames,
        _ => [],
    };

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        // Only Linux ships these names; elsewhere .NET's default probing stays in charge.
        if (!OperatingSystem.IsLinux()) return IntPtr.Zero;
        foreach (var name in Candidates(libraryName))
            if (NativeLibrary.TryLoad(name, assembly, searchPath, out var handle))
                return handle;
        return IntPtr.Zero;
    }

    /// <summary>Whether the driver library loads, and if not, a sentence naming what is missing.</summary>
    public static bool TryLoadDriver([NotNullWhen(false)] out string? missing) => TryLoad(DriverNames, "the CUDA driver", out missing);

    /// <summary>Whether cuBLAS loads, and if not, a sentence naming what is missing.</summary>
    public static bool TryLoadCuBlas([NotNullWhen(false)] out string? missing) => TryLoad(CuBlasNames, "cuBLAS", out missing);

    private static bool TryLoad(string[] names, string what, [NotNullWhen(false)] out string? missing)
    {
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                NativeLibrary.Free(handle);
                missing = null;
                return true;
            }
        }
        missing = $"{what} is not installed: none of {string.Join(", ", names)} could be loaded";
        return false;
    }
}
