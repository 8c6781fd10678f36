using DistributedSolver.Proto;
using DistributedSolver.Prototxt;
using FsCheck.Xunit;
using Google.Protobuf;

namespace DistributedSolver.Tests.Prototxt;

/// <summary>The writer's text reads back equal through the parser, and is laid out as Caffe's printer lays it out.</summary>
public sealed class PrototxtWriterTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var files = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "examples"), "*.prototxt", SearchOption.AllDirectories).Order())
            files.Add(Path.GetRelativePath(RepoPaths.Root, path));
        return files;
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Every_example_file_round_trips(string relativePath)
    {
        string path = Path.Combine(RepoPaths.Root, relativePath);
        IMessage parsed = relativePath.Contains("solver") ? PrototxtFile.LoadSolver(path) : PrototxtFile.LoadNet(path);
        IMessage again = parsed is SolverParameter
            ? PrototxtParser.Parse<SolverParameter>(PrototxtWriter.Write(parsed), path)
            : PrototxtParser.Parse<NetParameter>(PrototxtWriter.Write(parsed), path);
        Assert.Equal(parsed, again);
    }

    [Fact]
    public void Layout_is_Caffes_field_number_order_with_nested_braces()
    {
        var layer = new LayerParameter { Name = "conv1", Type = "Convolution", Phase = Phase.Train };
        layer.Bottom.Add("data");
        layer.Top.Add("conv1");
        layer.Param.Add(new ParamSpec { LrMult = 1 });
        layer.Param.Add(new ParamSpec { LrMult = 2 });
        layer.ConvolutionParam = new ConvolutionParameter { NumOutput = 20, WeightFiller = new FillerParameter { Type = "xavier", VarianceNorm = FillerParameter.Types.VarianceNorm.Average } };
        layer.ConvolutionParam.KernelSize.Add(5);
        var net = new NetParameter { Name = "Le\"Net\n\u00e9" };
        net.Layer.Add(layer);

        Assert.Equal("""
            name: "Le\"Net\n\303\251"
            layer {
              name: "conv1"
              type: "Convolution"
              bottom: "data"
              top: "conv1"
              param {
                lr_mult: 1
              }
              param {
                lr_mult: 2
              }
              phase: TRAIN
              convolution_param {
                num_output: 20
                kernel_size: 5
                weight_filler {
                  type: "xavier"
                  variance_norm: AVERAGE
                }
              }
            }

            """.ReplaceLineEndings("\n"), PrototxtWriter.Write(net));
    }

    [Theory]
    [InlineData(1e-7f, "1e-07")]
    [InlineData(0.001f, "0.001")]
    [InlineData(float.PositiveInfinity, "inf")]
    [InlineData(float.NegativeInfinity, "-inf")]
    [InlineData(float.NaN, "nan")]
    [InlineData(-0f, "-0")]
    public void Floats_take_protobufs_spelling(float value, string written) =>
        Assert.Equal($"base_lr: {written}\n", PrototxtWriter.Write(new SolverParameter { BaseLr = value }));

    /// <summary>Arbitrary scalars, strings, enums, lists and a nested net survive a write and a parse.</summary>
    [Property(MaxTest = 300)]
    public bool Solvers_round_trip(int maxIter, long randomSeed, float baseLr, double gammaWide, bool debugInfo,
        string? prefix, bool gpu, int[] testIter, uint batchSize, string? layerName)
    {
        var solver = new SolverParameter
        {
            MaxIter = maxIter,
            RandomSeed = randomSeed,
            BaseLr = baseLr,
            Gamma = (float)gammaWide,
            DebugInfo = debugInfo,
            SnapshotPrefix = prefix ?? "",
            SolverMode = gpu ? SolverParameter.Types.SolverMode.Gpu : SolverParameter.Types.SolverMode.Cpu,
            TrainNetParam = new NetParameter(),
        };
        solver.TestIter.Add(testIter);
        solver.TrainNetParam.Layer.Add(new LayerParameter { Name = layerName ?? "", DataParam = new DataParameter { BatchSize = batchSize } });
        // A string that is not valid UTF-16 (a lone surrogate) cannot be a protobuf string; skip it.
        if (!IsWellFormed(prefix) || !IsWellFormed(layerName)) return true;
        return PrototxtParser.Parse<SolverParameter>(PrototxtWriter.Write(solver), "written.prototxt").Equals(solver);
    }

    private static bool IsWellFormed(string? s) => s is null || System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(s)) == s;
}
