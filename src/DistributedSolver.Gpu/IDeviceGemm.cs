using ILGPU;

namespace DistributedSolver.Gpu;

/// <summary>Row-major C = alpha·op(A)·op(B) + beta·C on device views; callers guarantee m, n, k ≥ 1 and alpha ≠ 0.</summary>
internal interface IDeviceGemm
{
    string Description { get; }

    void Multiply(bool transA, bool transB, int m, int n, int k,
        float alpha, ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c);
}
