using DistributedSolver.Backend;
using DistributedSolver.Blobs;

namespace DistributedSolver.Tests.Layers;

internal static class LayerTestUtil
{
    public static Blob Gaussian(IComputeBackend backend, string name, int[] shape, int seed, double std = 1.0)
    {
        var blob = Blob(backend, name, shape);
        var random = new Random(seed);
        var values = new float[blob.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        backend.Upload(values, blob.Data);
        return blob;
    }

    /// <summary>
    /// Values −0.05·(count−1)/2 … in steps of 0.05, shuffled: no two within a finite-difference
    /// step of each other, so a max is never a tie under the checker's perturbation.
    /// </summary>
    public static Blob Distinct(IComputeBackend backend, string name, int[] shape, int seed)
    {
        var blob = Blob(backend, name, shape);
        var values = Enumerable.Range(0, blob.Count).Select(i => (i - (blob.Count - 1) / 2f) * 0.05f).ToArray();
        new Random(seed).Shuffle(values);
        backend.Upload(values, blob.Data);
        return blob;
    }

    public static Blob Values(IComputeBackend backend, string name, int[] shape, float[] values)
    {
        var blob = Blob(backend, name, shape);
        backend.Upload(values, blob.Data);
        return blob;
    }

    public static Blob Empty(string name) => new(name);

    public static float[] Read(IComputeBackend backend, BufferView view)
    {
        var values = new float[view.Length];
        backend.Download(view, values);
        return values;
    }

    private static Blob Blob(IComputeBackend backend, string name, int[] shape)
    {
        var blob = new Blob(name);
        blob.SetShape(shape);
        blob.Allocate(backend);
        return blob;
    }
}
