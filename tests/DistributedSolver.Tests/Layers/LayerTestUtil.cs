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
