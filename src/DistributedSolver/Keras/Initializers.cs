using DistributedSolver.Proto;
using VarianceNorm = DistributedSolver.Proto.FillerParameter.Types.VarianceNorm;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's initializer names as Caffe fillers. Caffe's xavier draws U(−√(3/n), √(3/n)); with
/// n = (fan_in + fan_out)/2 (variance_norm AVERAGE) that is Keras's glorot_uniform, and with
/// n = fan_in (Caffe's default) Keras's lecun_uniform. Both count fans as Keras does for Dense
/// and Conv2D kernels.
/// </summary>
internal static class Initializers
{
    private static readonly string[] Known = ["glorot_uniform", "lecun_uniform", "zeros", "ones"];

    /// <exception cref="ArgumentException">An unknown name, naming <paramref name="argument"/> and the known ones.</exception>
    public static string Check(string name, string argument) => Known.Contains(name) ? name
        : throw new ArgumentException($"unknown initializer '{name}' (known: {string.Join(", ", Known)})", argument);

    public static FillerParameter ToFiller(string name) => name switch
    {
        "glorot_uniform" => new FillerParameter { Type = "xavier", VarianceNorm = VarianceNorm.Average },
        "lecun_uniform" => new FillerParameter { Type = "xavier" },
        "ones" => new FillerParameter { Type = "constant", Value = 1 },
        _ => new FillerParameter { Type = "constant" },
    };

    /// <summary>The initializer a Caffe filler draws like, or null when none does.</summary>
    public static string? FromFiller(FillerParameter? filler) => (filler ?? new FillerParameter()) switch
    {
        { Type: "xavier", VarianceNorm: VarianceNorm.Average } => "glorot_uniform",
        { Type: "xavier", VarianceNorm: VarianceNorm.FanIn } => "lecun_uniform",
        { Type: "constant", Value: 0 } => "zeros",
        { Type: "constant", Value: 1 } => "ones",
        _ => null,
    };
}
