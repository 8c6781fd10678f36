using DistributedSolver.Backend.Cpu;
using DistributedSolver.Blobs;
using DistributedSolver.Layers;
using DistributedSolver.Proto;
using static DistributedSolver.Tests.Layers.LayerTestUtil;
using Op = DistributedSolver.Proto.EltwiseParameter.Types.EltwiseOp;

namespace DistributedSolver.Tests.Layers;

/// <summary>Flatten, Reshape, Concat and Eltwise: shapes and values from Caffe's definitions, gradients against finite differences.</summary>
public sealed class CombiningLayerTests : IDisposable
{
    private readonly CpuBackend _backend = new(new CpuBackendOptions { Threads = 1 });

    public void Dispose() => _backend.Dispose();

    private Blob SetUp(Layer layer, params Blob[] bottom)
    {
        var top = Empty("y");
        GradientChecker.SetUp(layer, bottom, [top], _backend);
        return top;
    }

    private void CheckGradient(Layer layer, Blob[] bottom)
    {
        var top = SetUp(layer, bottom);
        var checker = new GradientChecker(_backend);
        checker.Check(layer, bottom, [top], [.. Enumerable.Range(0, bottom.Length)]);
        Assert.Equal(bottom.Sum(b => b.Count), checker.Checked);
    }

    [Theory]
    [InlineData(1, -1, new[] { 2, 60 })]
    [InlineData(2, 3, new[] { 2, 3, 20 })]
    [InlineData(0, 1, new[] { 6, 4, 5 })]
    public void Flatten_joins_the_axes_from_axis_to_end_axis(int axis, int endAxis, int[] expected)
    {
        var p = new LayerParameter { Name = "flat", Type = "Flatten", FlattenParam = new FlattenParameter { Axis = axis, EndAxis = endAxis } };
        AssertView(() => new FlattenLayer(p, _backend), Gaussian(_backend, "x", [2, 3, 4, 5], seed: 1), expected);
    }

    /// <summary>A view layer gives the bottom's values under the new shape, and passes the gradient through.</summary>
    private void AssertView(Func<Layer> create, Blob bottom, int[] expected)
    {
        var layer = create();
        var top = SetUp(layer, bottom);
        Assert.Equal(expected, top.Shape);
        layer.Forward([bottom], [top]);
        Assert.Equal(Read(_backend, bottom.Data), Read(_backend, top.Data));
        CheckGradient(create(), [bottom]);
    }

    [Theory]
    // Caffe's reshape_param examples on a 2×8 input, and its axis / num_axes examples.
    [InlineData(new long[] { 2, 2, 4 }, 0, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 0, 2, 4 }, 0, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 0, 2, -1 }, 0, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 0, -1, 4 }, 0, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 2, 4 }, 1, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 2, 4 }, -2, -1, new[] { 2, 2, 4 })]
    [InlineData(new long[] { 1, 2 }, 0, 1, new[] { 1, 2, 8 })]
    [InlineData(new long[] { 1 }, 0, 0, new[] { 1, 2, 8 })]
    [InlineData(new long[] { 1 }, 1, 0, new[] { 2, 1, 8 })]
    public void Reshape_follows_Caffes_examples(long[] dims, int axis, int numAxes, int[] expected)
    {
        var shape = new BlobShape();
        shape.Dim.Add(dims);
        var p = new LayerParameter { Name = "reshape", Type = "Reshape", ReshapeParam = new ReshapeParameter { Shape = shape, Axis = axis, NumAxes = numAxes } };
        AssertView(() => new ReshapeLayer(p, _backend), Gaussian(_backend, "x", [2, 8], seed: 2), expected);
    }

    [Fact]
    public void Concat_places_the_bottoms_side_by_side_along_the_axis()
    {
        var p = new LayerParameter { Name = "cat", Type = "Concat", ConcatParam = new ConcatParameter { Axis = 1 } };
        var a = Values(_backend, "a", [2, 1, 2], [1, 2, 3, 4]);
        var b = Values(_backend, "b", [2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
        var layer = new ConcatLayer(p, _backend);
        var top = SetUp(layer, a, b);
        Assert.Equal([2, 3, 2], top.Shape);
        layer.Forward([a, b], [top]);
        Assert.Equal([1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12], Read(_backend, top.Data));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Concat_gradient_hands_each_bottom_its_slice(int axis)
    {
        var p = new LayerParameter { Name = "cat", Type = "Concat", ConcatParam = new ConcatParameter { Axis = axis } };
        int[] Shape(int size) => axis switch { 0 => [size, 3, 2], 1 => [2, size, 2], _ => [2, 3, size] };
        CheckGradient(new ConcatLayer(p, _backend),
            [Gaussian(_backend, "a", Shape(1), seed: 3), Gaussian(_backend, "b", Shape(3), seed: 4), Gaussian(_backend, "c", Shape(2), seed: 5)]);
    }

    private static LayerParameter Eltwise(Op op, float[]? coefficients = null, bool stable = true)
    {
        var p = new EltwiseParameter { Operation = op, StableProdGrad = stable };
        if (coefficients is not null) p.Coeff.Add(coefficients);
        return new LayerParameter { Name = "eltwise", Type = "Eltwise", EltwiseParam = p };
    }

    // a = (1, 2, 0.5), b = (2, −1.5, 0), c = (4, 0.25, −1).
    [Theory]
    [InlineData(Op.Sum, new[] { 9f, -0.75f, -0.5f })] // a + 2b + c (coefficients 1, 2, 1)
    [InlineData(Op.Prod, new[] { 8f, -0.75f, 0f })]   // a·b·c
    [InlineData(Op.Max, new[] { 4f, 2f, 0.5f })]
    public void Eltwise_values(Op op, float[] expected)
    {
        var a = Values(_backend, "a", [3], [1, 2, 0.5f]);
        var b = Values(_backend, "b", [3], [2, -1.5f, 0]);
        var c = Values(_backend, "c", [3], [4, 0.25f, -1]);
        var layer = new EltwiseLayer(Eltwise(op, op == Op.Sum ? [1, 2, 1] : null), _backend);
        var top = SetUp(layer, a, b, c);
        layer.Forward([a, b, c], [top]);
        Assert.Equal(expected, Read(_backend, top.Data));
    }

    [Fact]
    public void Eltwise_max_ties_go_to_the_second_bottom_then_stay()
    {
        // Caffe compares bottoms 0 and 1 with a > b (a tie goes to 1), later bottoms with b > max (a tie stays).
        var a = Values(_backend, "a", [2], [3, 3]);
        var b = Values(_backend, "b", [2], [3, 1]);
        var c = Values(_backend, "c", [2], [3, 3]);
        var layer = new EltwiseLayer(Eltwise(Op.Max), _backend);
        var top = SetUp(layer, a, b, c);
        layer.Forward([a, b, c], [top]);
        _backend.Upload([10, 20], top.Diff);
        layer.Backward([top], [true, true, true], [a, b, c]);
        Assert.Equal([0, 20], Read(_backend, a.Diff));
        Assert.Equal([10, 0], Read(_backend, b.Diff));
        Assert.Equal([0, 0], Read(_backend, c.Diff));
    }

    [Theory]
    [InlineData(Op.Sum, true)]
    [InlineData(Op.Prod, true)]
    [InlineData(Op.Prod, false)]
    [InlineData(Op.Max, true)]
    public void Eltwise_gradients_match_finite_differences(Op op, bool stable)
    {
        // Each bottom's values sit on the 0.05 grid shifted by a third of it per bottom, so no two
        // values of all bottoms are within a step (0.01): MAX never meets a tie. PROD's are moved
        // away from 0, where top / bottom would divide by almost nothing.
        var bottoms = Enumerable.Range(0, 3).Select(i => Distinct(_backend, $"x{i}", [4, 6], seed: 10 + i)).ToArray();
        for (int i = 0; i < bottoms.Length; i++)
        {
            float shift = i * 0.05f / 3;
            var values = Read(_backend, bottoms[i].Data).Select(v => v + shift + (op == Op.Prod ? MathF.CopySign(0.5f, v) : 0f));
            _backend.Upload(values.ToArray(), bottoms[i].Data);
        }
        CheckGradient(new EltwiseLayer(Eltwise(op, op == Op.Sum ? [0.5f, -2f, 1f] : null, stable), _backend), bottoms);
    }
}
