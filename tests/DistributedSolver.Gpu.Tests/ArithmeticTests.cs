using DistributedSolver.Tests;
using DistributedSolver.Tests.Training;
using DistributedSolver.Training;
using static DistributedSolver.Tests.Training.TrainingFixture;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// A cluster's nodes must share the backend's arithmetic: the kernels round differently from the
/// CPU backend (see <see cref="TrainingEquivalenceTests"/>), so a worker on one beside workers on
/// the other would send gradients of other bits. Registration compares <see cref="Replica.Layout"/>.
/// </summary>
public sealed class ArithmeticTests
{
    private static string Layout(DistributedSolver.Backend.IComputeBackend backend) =>
        new Replica(Definition(Solver(maxIter: 1), Mlp(batch: 8, hidden: 16), Path.GetTempPath()), backend, 1, _ => { }).Layout;

    [Fact]
    public void The_kernels_and_the_cpu_backend_have_other_arithmetic_and_so_another_layout()
    {
        using var cpu = CreateBackend(threads: 1);
        using var kernels = IlgpuBackend.OpenCpuAccelerator();
        Assert.NotEqual(cpu.Arithmetic, kernels.Arithmetic);
        Assert.StartsWith(cpu.Arithmetic + ";", Layout(cpu), StringComparison.Ordinal);
        Assert.StartsWith(kernels.Arithmetic + ";", Layout(kernels), StringComparison.Ordinal);
        Assert.Equal(Layout(cpu)[cpu.Arithmetic.Length..], Layout(kernels)[kernels.Arithmetic.Length..]);
    }

    [Fact]
    public void Thread_counts_do_not_change_the_arithmetic()
    {
        // Tiles fix the bits whatever runs them at once (DESIGN.md, "The unit of work").
        using var one = CreateBackend(threads: 1);
        using var two = CreateBackend(threads: 2);
        Assert.Equal(one.Arithmetic, two.Arithmetic);
        Assert.NotEqual(one.Description, two.Description);
    }
}
