using DistributedSolver.Backend.Cpu;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;
using Method = DistributedSolver.Proto.PoolingParameter.Types.PoolMethod;

namespace DistributedSolver.Tests.Layers;

/// <summary>Pooling's output sizes and values against Caffe's published definitions, worked by hand or by a plain loop here.</summary>
public sealed class PoolingLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private static LayerParameter Pool(Method method, uint kernel, uint stride, uint pad = 0, bool floor = false) => new()
    {
        Name = "pool",
        Type = "Pooling",
        PoolingParam = new PoolingParameter
        {
            Pool = method, KernelSize = kernel, Stride = stride, Pad = pad,
            RoundMode = floor ? PoolingParameter.Types.RoundMode.Floor : PoolingParameter.Types.RoundMode.Ceil,
        },
    };

    private float[] Run(LayerParameter p, int[] shape, float[] values, out int[] topShape)
    {
        var bottom = Values(_backend, "x", shape, values);
        var top = Empty("y");
        var layer = new PoolingLayer(p, _backend);
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        layer.Forward([bottom], [top]);
        topShape = [.. top.Shape];
        return Read(_backend, top.Data);
    }

    [Theory]
    // (size, kernel, stride, pad, floor) → expected, worked from ⌈(size + 2·pad − kernel) / stride⌉ + 1:
    [InlineData(7, 3, 2, 0, false, 3)] // ⌈4/2⌉ + 1
    [InlineData(6, 3, 2, 0, false, 3)] // ⌈3/2⌉ + 1: the last window hangs over the edge
    [InlineData(6, 3, 2, 0, true, 2)]  // ⌊3/2⌋ + 1 with round_mode FLOOR
    [InlineData(6, 3, 2, 1, false, 4)] // ⌈5/2⌉ + 1, and window 3 starts at 3·2 − 1 = 5 < 6: kept
    [InlineData(5, 2, 2, 1, false, 3)] // ⌈5/2⌉ + 1 = 4, but window 4 would start at 3·2 − 1 = 5 = the padding: clipped
    [InlineData(28, 2, 2, 0, false, 14)]
    public void Output_size_follows_Caffes_rounding(int size, uint kernel, uint stride, uint pad, bool floor, int expected)
    {
        Run(Pool(Method.Max, kernel, stride, pad, floor), [1, 1, size, size], new float[size * size], out var shape);
        Assert.Equal([1, 1, expected, expected], shape);
    }

    [Fact]
    public void Max_takes_each_windows_maximum_and_the_first_of_ties()
    {
        float[] x =
        [
            1, 5, 2, 2,
            3, 4, 2, 2,
            0, -1, 7, 6,
            -2, -3, 6, 7,
        ];
        var top = Empty("y");
        var mask = Empty("mask");
        var bottom = Values(_backend, "x", [1, 1, 4, 4], x);
        var layer = new PoolingLayer(Pool(Method.Max, 2, 2), _backend);
        GradientChecker.SetUp(layer, [bottom], [top, mask], _backend);
        layer.Forward([bottom], [top, mask]);
        Assert.Equal([5, 2, 0, 7], Read(_backend, top.Data));
        // Positions h·W + w: the 2s tie (first one, index 2), the 7s tie (index 10 before 15).
        Assert.Equal([1, 2, 8, 10], Read(_backend, mask.Data));

        _backend.Upload([1, 2, 3, 4], top.Diff);
        layer.Backward([top, mask], [true], [bottom]);
        float[] expected = [0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0];
        Assert.Equal(expected, Read(_backend, bottom.Diff));
    }

    [Fact]
    public void Average_divides_by_the_window_clipped_to_the_padded_input()
    {
        // [[1, 2], [3, 4]], kernel 2, stride 1, pad 1 → 3×3. Every window fits in the padded
        // 4×4 plane, so each divides by 4: the corners see one pixel, the edges two, the centre four.
        var y = Run(Pool(Method.Ave, 2, 1, 1), [1, 1, 2, 2], [1, 2, 3, 4], out var shape);
        Assert.Equal([1, 1, 3, 3], shape);
        Assert.Equal([0.25f, 0.75f, 0.5f, 1f, 2.5f, 1.5f, 0.75f, 1.75f, 1f], y);
    }

    [Fact]
    public void Average_does_not_count_the_part_of_a_window_beyond_the_padding()
    {
        // A 4×4 plane of ones, kernel 3, stride 2, pad 1 → 3×3. The last window starts at
        // 2·2 − 1 = 3 and ends at min(3 + 3, 4 + 1) = 5: 2 rows count (pixel row 3 and one padding
        // row), so the corner divides by 2·2 = 4 over 1 pixel, the edge by 2·3 = 6 over 2 pixels.
        var y = Run(Pool(Method.Ave, 3, 2, 1), [1, 1, 4, 4], Enumerable.Repeat(1f, 16).ToArray(), out var shape);
        Assert.Equal([1, 1, 3, 3], shape);
        Assert.Equal([4 / 9f, 6 / 9f, 2 / 6f, 6 / 9f, 1f, 3 / 6f, 2 / 6f, 3 / 6f, 1 / 4f], y);
    }

    [Fact]
    public void Global_pooling_takes_the_whole_plane()
    {
        var p = new LayerParameter { Name = "pool", Type = "Pooling", PoolingParam = new PoolingParameter { Pool = Method.Ave, GlobalPooling = true } };
        var y = Run(p, [2, 1, 2, 3], [1, 2, 3, 4, 5, 6, -6, 0, 0, 0, 0, 0], out var shape);
        Assert.Equal([2, 1, 1, 1], shape);
        Assert.Equal([3.5f, -1f], y);
    }

    [Theory]
    [InlineData(Method.Max, 3u, 2u, 0u)]
    [InlineData(Method.Max, 3u, 2u, 1u)]
    [InlineData(Method.Max, 2u, 1u, 1u)]
    [InlineData(Method.Ave, 3u, 2u, 0u)]
    [InlineData(Method.Ave, 3u, 2u, 1u)]
    [InlineData(Method.Ave, 2u, 1u, 1u)]
    public void Gradients_match_finite_differences(Method method, uint kernel, uint stride, uint pad)
    {
        // 6×5 planes: 3/2 windows do not divide them, so the last windows hang over the edge.
        // Distinct values keep every maximum a step away from a tie.
        var bottom = Distinct(_backend, "x", [2, 2, 6, 5], seed: 3);
        var top = Empty("y");
        var layer = new PoolingLayer(Pool(method, kernel, stride, pad), _backend);
        GradientChecker.SetUp(layer, [bottom], [top], _backend);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, [bottom], [top], [0]);
        Assert.Equal(bottom.Count, checker.Checked);
    }
}
