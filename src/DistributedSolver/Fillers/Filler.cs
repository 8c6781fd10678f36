using DistributedSolver.Backend;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;

namespace DistributedSolver.Fillers;

/// <summary>
/// Caffe's fillers (constant, uniform, gaussian, xavier, msra), drawn on the host from the net's
/// seeded generator and uploaded once.
/// </summary>
public static class Filler
{
    public static void Fill(FillerParameter parameter, Blob blob, IComputeBackend backend, Random random)
    {
        var values = new float[blob.Count];
        Fill(parameter, blob.Shape, values, random);
        backend.Upload(values, blob.Data);
    }

    public static void Fill(FillerParameter parameter, IReadOnlyList<int> shape, Span<float> values, Random random)
    {
        if (parameter.Sparse >= 0 && parameter.Type == "gaussian")
            throw new NetConfigurationException("filler 'gaussian' with 'sparse' is not supported");
        switch (parameter.Type)
        {
            case "constant":
                values.Fill(parameter.Value);
                break;
            case "uniform":
                Uniform(values, parameter.Min, parameter.Max, random);
                break;
            case "gaussian":
                Gaussian(values, parameter.Mean, parameter.Std, random);
                break;
            case "xavier":
            {
                float scale = MathF.Sqrt(3f / FanNorm(parameter, shape, values.Length));
                Uniform(values, -scale, scale, random);
                break;
            }
            case "msra":
                Gaussian(values, 0f, MathF.Sqrt(2f / FanNorm(parameter, shape, values.Length)), random);
                break;
            default:
                throw new NetConfigurationException(
                    $"unknown filler type '{parameter.Type}' (known: constant, uniform, gaussian, xavier, msra)");
        }
    }

    // Caffe: fan_in = count / shape(0), fan_out = count / shape(1).
    private static float FanNorm(FillerParameter parameter, IReadOnlyList<int> shape, int count)
    {
        float fanIn = shape.Count > 0 && shape[0] > 0 ? (float)count / shape[0] : count;
        float fanOut = shape.Count > 1 && shape[1] > 0 ? (float)count / shape[1] : count;
        return parameter.VarianceNorm switch
        {
            FillerParameter.Types.VarianceNorm.FanOut => fanOut,
            FillerParameter.Types.VarianceNorm.Average => (fanIn + fanOut) / 2f,
            _ => fanIn,
        };
    }

    private static void Uniform(Span<float> values, float min, float max, Random random)
    {
        if (max < min) throw new NetConfigurationException($"uniform filler: max {max} < min {min}");
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(min + (max - (double)min) * random.NextDouble());
    }

    private static void Gaussian(Span<float> values, float mean, float std, Random random)
    {
        if (std < 0) throw new NetConfigurationException($"gaussian filler: negative std {std}");
        for (int i = 0; i < values.Length; i += 2)
        {
            // Box–Muller: two normal draws per pair of uniforms.
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(mean + std * r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
                values[i + 1] = (float)(mean + std * r * Math.Sin(2 * Math.PI * u2));
        }
    }
}
