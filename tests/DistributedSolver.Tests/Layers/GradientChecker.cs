using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;

namespace DistributedSolver.Tests.Layers;

/// <summary>
/// Caffe's GradientChecker: the objective is L = Σ wᵢ·topᵢ with fixed random weights w (for a loss
/// top, w is its loss weight), the analytic gradient comes from Backward with top diff = w, and
/// each input is checked against the central difference (L(x+h) − L(x−h)) / 2h, within
/// threshold·max(|analytic|, |numeric|, 1). Elements within <c>kink</c> of a non-differentiable
/// point are skipped, as Caffe does for ReLU.
/// </summary>
internal sealed class GradientChecker(IComputeBackend backend, float step = 1e-2f, float threshold = 1e-3f, float kink = float.NaN)
{
    public int Checked { get; private set; }

    /// <summary>Sets the layer up with its own parameter storage, filled from <paramref name="seed"/>.</summary>
    public static void SetUp(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, IComputeBackend backend, int seed = 1)
    {
        layer.SetUp(bottom, top);
        foreach (var t in top)
            if (!t.IsBound) t.Allocate(backend);
        foreach (var p in layer.Parameters) p.Allocate(backend);
        layer.FillParameters(new Random(seed));
    }

    public void Check(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, int[] checkBottoms, bool checkParameters = true, int seed = 7)
    {
        var random = new Random(seed);
        var weights = top.Select(t => Enumerable.Range(0, t.Count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        if (layer.IsLoss) weights[0] = [1.5f];

        // Analytic gradient.
        layer.Forward(bottom, top);
        for (int t = 0; t < top.Count; t++) backend.Upload(weights[t], top[t].Diff);
        foreach (var p in layer.Parameters) backend.Fill(p.Diff, 0f);
        var propagate = bottom.Select((_, i) => checkBottoms.Contains(i)).ToArray();
        layer.Backward(top, propagate, bottom);

        var targets = checkBottoms.Select(i => bottom[i]).ToList();
        if (checkParameters) targets.AddRange(layer.Parameters);
        foreach (var blob in targets)
        {
            var analytic = Read(blob.Diff);
            var values = Read(blob.Data);
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsNaN(kink) && MathF.Abs(values[i]) < kink) continue;
                float original = values[i];
                values[i] = original + step;
                backend.Upload(values, blob.Data);
                double plus = Objective(layer, bottom, top, weights);
                values[i] = original - step;
                backend.Upload(values, blob.Data);
                double minus = Objective(layer, bottom, top, weights);
                values[i] = original;
                backend.Upload(values, blob.Data);

                double numeric = (plus - minus) / (2 * step);
                double scale = Math.Max(Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric)), 1.0);
                Assert.True(Math.Abs(analytic[i] - numeric) <= threshold * scale,
                    $"{layer.Name} {blob.Name}[{i}]: analytic {analytic[i]}, numeric {numeric}");
                Checked++;
            }
        }
    }

    private double Objective(Layer layer, IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, float[][] weights)
    {
        layer.Forward(bottom, top);
        double sum = 0;
        for (int t = 0; t < top.Count; t++)
        {
            var values = Read(top[t].Data);
            for (int i = 0; i < values.Length; i++) sum += (double)weights[t][i] * values[i];
        }
        return sum;
    }

    private float[] Read(BufferView view)
    {
        var values = new float[view.Length];
        backend.Download(view, values);
        return values;
    }
}
