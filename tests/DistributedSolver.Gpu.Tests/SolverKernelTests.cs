using DistributedSolver.Backend;

namespace DistributedSolver.Gpu.Tests;

/// <summary>
/// The fused solver kernels: each element computed alone with the CPU backend's operations in its
/// order (correctly rounded square root and division on both), so every rule, with L2 and L1
/// regularization, must give the CPU's bits in the weights and in every history buffer.
/// </summary>
public sealed class SolverKernelTests(BackendPair pair) : IClassFixture<BackendPair>
{
    public static TheoryData<string, Regularization> Rules()
    {
        var data = new TheoryData<string, Regularization>();
        foreach (var rule in new[] { "SGD", "Nesterov", "AdaGrad", "AdaGrad Keras", "RMSProp", "RMSProp Keras", "AdaDelta", "Adam", "AMSGrad" })
        foreach (var regularization in new[] { Regularization.L2, Regularization.L1 })
            data.Add(rule, regularization);
        return data;
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Three_steps_give_the_cpu_bits(string rule, Regularization regularization)
    {
        const int length = 1031;
        var w = pair.Put(Inputs.Uniform(length, 90));
        var g = pair.Put(Inputs.Uniform(length, 91));
        // Histories of squares start non-negative, as the solvers keep them.
        var h = new[] { pair.Put(Inputs.Uniform(length, 92, 0f, 2f)), pair.Put(Inputs.Uniform(length, 93, 0f, 2f)), pair.Put(Inputs.Uniform(length, 94, 0f, 2f)) };
        var d = new RegularizedGradient(0.5f, 5e-4f, regularization);
        for (int step = 0; step < 3; step++)
        {
            pair.Run((b, v) => Step(b, rule, v(w), v(g), v(h[0]), v(h[1]), v(h[2]), d));
            pair.AssertIdentical(w);
            foreach (var history in h) pair.AssertIdentical(history);
        }
        pair.AssertIdentical(g);
    }

    private static void Step(IComputeBackend b, string rule, BufferView w, BufferView g, BufferView h0, BufferView h1, BufferView h2, RegularizedGradient d)
    {
        switch (rule)
        {
            case "SGD": b.SgdUpdate(w, g, h0, d, 0.9f, 0.01f); break;
            case "Nesterov": b.NesterovUpdate(w, g, h0, d, 0.9f, 0.01f); break;
            case "AdaGrad": b.AdaGradUpdate(w, g, h0, d, 1e-8f, false, 0.01f); break;
            case "AdaGrad Keras": b.AdaGradUpdate(w, g, h0, d, 1e-7f, true, 0.01f); break;
            case "RMSProp": b.RmsPropUpdate(w, g, h0, d, 0.98f, 1e-8f, false, 0.001f); break;
            case "RMSProp Keras": b.RmsPropUpdate(w, g, h0, d, 0.9f, 1e-7f, true, 0.001f); break;
            case "AdaDelta": b.AdaDeltaUpdate(w, g, h0, h1, d, 0.95f, 1e-6f, 1f); break;
            case "Adam": b.AdamUpdate(w, g, h0, h1, d, 0.9f, 0.999f, 1e-8f, 0.001f); break;
            case "AMSGrad": b.AmsGradUpdate(w, g, h0, h1, h2, d, 0.9f, 0.999f, 1e-8f, 0.001f); break;
            default: throw new ArgumentException(rule, nameof(rule));
        }
    }

    [Fact]
    public void A_history_of_another_length_is_refused()
    {
        var w = pair.Put(new float[5]);
        var h = pair.Put(new float[4]);
        Assert.Throws<ArgumentException>(() => pair.Gpu.SgdUpdate(w.Gpu, w.Gpu, h.Gpu, new RegularizedGradient(1f, 0f, Regularization.L2), 0.9f, 0.1f));
    }
}
