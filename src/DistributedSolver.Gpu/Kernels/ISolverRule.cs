namespace DistributedSolver.Gpu.Kernels;

/// <summary>An update rule on one element: its weight, d, and the rule's <see cref="Sets"/> history values.</summary>
internal interface ISolverRule
{
    int Sets { get; }

    void Apply(ref float w, float d, ref float h0, ref float h1, ref float h2);
}
