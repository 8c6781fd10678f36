namespace DistributedSolver.Gpu.Kernels;

/// <summary>
/// An elementwise function of up to two inputs (a unary one ignores <c>b</c>). A struct, so each
/// operation compiles into its own kernel with no call per element.
/// </summary>
internal interface IElementwise
{
    float Apply(float a, float b);
}
