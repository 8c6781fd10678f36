using System.Reflection;
using DistributedSolver.Gpu.Kernels;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// Every kernel, in every specialization the assembly defines, compiled to PTX for sm_90 with
/// ILGPU's PTX backend (no GPU needed). The CPU accelerator runs .NET code as it is, so a library
/// call that has no GPU form (MathF.FusedMultiplyAdd, for one) passes there and only shows here,
/// as an unresolved <c>.extern</c> function the driver would refuse.
/// </summary>
public sealed class PtxCompileTests : IDisposable
{
    private readonly Context _context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
    private readonly PTXBackend _backend;

    public PtxCompileTests() =>
        _backend = new PTXBackend(_context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90,
            CudaInstructionSet.ISA_80, nvvmAPI: null);

    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }

    /// <summary>The kernel entry points: public static methods of the kernel classes; a generic one once per struct that satisfies its constraint.</summary>
    public static IEnumerable<MethodInfo> Kernels()
    {
        var assembly = typeof(IElementwise).Assembly;
        var structs = assembly.GetTypes().Where(t => t.IsValueType && !t.IsGenericTypeDefinition).ToArray();
        foreach (var type in assembly.GetTypes().Where(t => t.Namespace == typeof(IElementwise).Namespace && t.IsAbstract && t.IsSealed))
        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
        {
            if (!method.IsGenericMethodDefinition)
            {
                yield return method;
                continue;
            }
            var constraint = method.GetGenericArguments().Single().GetGenericParameterConstraints().Single(c => c.IsInterface);
            foreach (var specialization in structs.Where(constraint.IsAssignableFrom))
                yield return method.MakeGenericMethod(specialization);
        }
    }

    public static TheoryData<string> KernelNames() => [.. Kernels().Select(Name)];

    private static string Name(MethodInfo method) =>
        method.DeclaringType!.Name + "." + method.Name + (method.IsGenericMethod ? $"<{method.GetGenericArguments()[0].Name}>" : "");

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Compiles_to_ptx_for_sm_90_with_no_unresolved_function(string name)
    {
        var method = Kernels().Single(m => Name(m) == name);
        // Kernels over an index are implicitly grouped; the tiled GEMM picks its groups itself.
        var entry = method.GetParameters().FirstOrDefault()?.ParameterType == typeof(Index1D)
            ? EntryPointDescription.FromImplicitlyGroupedKernel(method)
            : EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)_backend.Compile(entry, KernelSpecialization.Empty);
        Assert.Contains(".target sm_", compiled.PTXAssembly);
        // `.extern .shared` is how PTX declares dynamic shared memory; an `.extern .func` is a call with no body.
        var externs = compiled.PTXAssembly.Split('\n').Where(line => line.Contains(".extern .func", StringComparison.Ordinal)).ToArray();
        Assert.True(externs.Length == 0, $"{name} calls functions the GPU cannot resolve:\n{string.Join('\n', externs)}");
    }

    [Fact]
    public void Every_backend_kernel_family_is_compiled()
    {
        var names = Kernels().Select(Name).ToArray();
        // One per elementwise operation, reduction term and solver rule, and the fixed kernels.
        Assert.Contains("ElementwiseKernels.Map<SigmoidOp>", names);
        Assert.Contains("ReductionKernels.Positions<TopKHitTerm>", names);
        Assert.Contains("SolverKernels.Update<AdamRule>", names);
        Assert.Contains("GemmKernel.Tiled", names);
        Assert.Contains("ConvolutionKernels.Col2Im", names);
        Assert.Contains("PoolingKernels.AverageBackward", names);
        Assert.Contains("SoftmaxKernels.LossBackward", names);
        // 21 elementwise operations, 7 element and 2 position reduction terms, 5 rules, 14 fixed kernels.
        Assert.Equal(49, names.Length);
    }
}
