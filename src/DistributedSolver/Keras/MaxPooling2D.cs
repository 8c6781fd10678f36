using DistributedSolver.Proto;

namespace DistributedSolver.Keras;

/// <summary>
/// Keras's MaxPooling2D with padding "valid" over channels-first samples: Caffe's MAX Pooling
/// with <c>round_mode: FLOOR</c>, Keras's output size floor((input − pool) / strides) + 1
/// (Caffe rounds up by default).
/// </summary>
public sealed class MaxPooling2D : KerasLayer
{
    /// <param name="strides">Keras's default: the pool size.</param>
    public MaxPooling2D(int poolSize = 2, int? strides = null, string? name = null) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(poolSize);
        if (strides is <= 0) throw new ArgumentOutOfRangeException(nameof(strides), strides, "strides must be positive");
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
    }

    public int PoolSize { get; }

    public int Strides { get; }

    internal override string DefaultName => "max_pooling2d";

    internal override int[] OutputShape(int[] input)
    {
        if (input.Length != 3) throw Error($"takes (batch, channels, height, width) inputs, got {Describe(input)}");
        if (input[1] < PoolSize || input[2] < PoolSize)
            throw Error($"pool {PoolSize}x{PoolSize} is larger than its input {input[1]}x{input[2]}");
        return [input[0], (input[1] - PoolSize) / Strides + 1, (input[2] - PoolSize) / Strides + 1];
    }

    internal override void Emit(NetBuilder net, int[] input, bool withActivation)
    {
        var p = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = (uint)PoolSize, Stride = (uint)Strides, RoundMode = PoolingParameter.Types.RoundMode.Floor };
        net.Add(Name!, "Pooling", top: Name).PoolingParam = p;
    }
}
