using DistributedSolver.Proto;
using V1Type = DistributedSolver.Proto.V1LayerParameter.Types.LayerType;

namespace DistributedSolver.Prototxt;

/// <summary>
/// Caffe's upgrades of legacy prototxt (upgrade_proto.cpp): V1 nets (<c>layers { type: ENUM }</c>)
/// to the current <c>layer { type: "String" }</c> form, and the solver_type enum to the type string.
/// </summary>
internal static class NetUpgrader
{
    /// <summary>Caffe's UpgradeV1Net, in place; a net without <c>layers</c> is left as it is.</summary>
    /// <exception cref="PrototxtException">The net mixes both forms, or a V1 type has no current name.</exception>
    public static void UpgradeV1(NetParameter net, string fileName)
    {
        if (net.Layers.Count == 0)
        {
            return;
        }
        if (net.Layer.Count > 0)
        {
            throw new PrototxtException(fileName, 0, 0,
                "the net has both 'layer' and legacy 'layers' fields; rewrite the 'layers' entries as 'layer' entries (type as a string, e.g. type: \"InnerProduct\")");
        }
        for (int i = 0; i < net.Layers.Count; i++)
        {
            net.Layer.Add(UpgradeLayer(net.Layers[i], i, fileName));
        }
        net.Layers.Clear();
    }

    /// <summary>Caffe's UpgradeSolverType: the deprecated solver_type enum becomes the type string.</summary>
    /// <exception cref="PrototxtException">Both solver_type and type are set.</exception>
    public static void UpgradeSolverType(SolverParameter solver, string fileName)
    {
        if (!solver.HasSolverType)
        {
            return;
        }
        if (solver.HasType)
        {
            throw new PrototxtException(fileName, 0, 0, "both the legacy 'solver_type' and 'type' are set; keep only 'type'");
        }
        solver.Type = solver.SolverType switch
        {
            SolverParameter.Types.SolverType.Sgd => "SGD",
            SolverParameter.Types.SolverType.Nesterov => "Nesterov",
            SolverParameter.Types.SolverType.Adagrad => "AdaGrad",
            SolverParameter.Types.SolverType.Rmsprop => "RMSProp",
            SolverParameter.Types.SolverType.Adadelta => "AdaDelta",
            SolverParameter.Types.SolverType.Adam => "Adam",
            var unknown => throw new PrototxtException(fileName, 0, 0, $"unknown solver_type {(int)unknown}"),
        };
        solver.ClearSolverType();
    }

    private static LayerParameter UpgradeLayer(V1LayerParameter v1, int index, string fileName)
    {
        var layer = new LayerParameter();
        if (v1.HasName)
        {
            layer.Name = v1.Name;
        }
        if (v1.HasType)
        {
            layer.Type = TypeName(v1.Type)
                ?? throw new PrototxtException(fileName, 0, 0,
                    $"layer '{v1.Name}' (entry {index + 1} of 'layers') has V1 type {V1TypeName(v1.Type)}, which has no current layer type");
        }
        layer.Bottom.Add(v1.Bottom);
        layer.Top.Add(v1.Top);
        layer.Include.Add(v1.Include);
        layer.Exclude.Add(v1.Exclude);
        layer.Blobs.Add(v1.Blobs);
        layer.LossWeight.Add(v1.LossWeight);
        for (int i = 0; i < v1.Param.Count; i++)
        {
            ParamAt(layer, i).Name = v1.Param[i];
        }
        for (int i = 0; i < v1.BlobShareMode.Count; i++)
        {
            ParamAt(layer, i).ShareMode = (ParamSpec.Types.DimCheckMode)(int)v1.BlobShareMode[i];
        }
        for (int i = 0; i < v1.BlobsLr.Count; i++)
        {
            ParamAt(layer, i).LrMult = v1.BlobsLr[i];
        }
        for (int i = 0; i < v1.WeightDecay.Count; i++)
        {
            ParamAt(layer, i).DecayMult = v1.WeightDecay[i];
        }
        // The V1 net is discarded afterwards, so its parameter messages move over unshared.
        layer.AccuracyParam = v1.AccuracyParam;
        layer.ConcatParam = v1.ConcatParam;
        layer.ConvolutionParam = v1.ConvolutionParam;
        layer.DataParam = v1.DataParam;
        layer.DropoutParam = v1.DropoutParam;
        layer.DummyDataParam = v1.DummyDataParam;
        layer.EltwiseParam = v1.EltwiseParam;
        layer.InnerProductParam = v1.InnerProductParam;
        layer.LossParam = v1.LossParam;
        layer.PoolingParam = v1.PoolingParam;
        layer.ReluParam = v1.ReluParam;
        layer.SigmoidParam = v1.SigmoidParam;
        layer.SoftmaxParam = v1.SoftmaxParam;
        layer.TanhParam = v1.TanhParam;
        layer.TransformParam = v1.TransformParam;
        return layer;
    }

    private static ParamSpec ParamAt(LayerParameter layer, int index)
    {
        while (layer.Param.Count <= index)
        {
            layer.Param.Add(new ParamSpec());
        }
        return layer.Param[index];
    }

    private static string V1TypeName(V1Type type) =>
        V1LayerParameter.Descriptor.FindFieldByName("type").EnumType.FindValueByNumber((int)type)?.Name ?? ((int)type).ToString();

    /// <summary>Caffe's UpgradeV1LayerType; null for NONE and numbers outside the enum.</summary>
    private static string? TypeName(V1Type type) => type switch
    {
        V1Type.Absval => "AbsVal",
        V1Type.Accuracy => "Accuracy",
        V1Type.Argmax => "ArgMax",
        V1Type.Bnll => "BNLL",
        V1Type.Concat => "Concat",
        V1Type.ContrastiveLoss => "ContrastiveLoss",
        V1Type.Convolution => "Convolution",
        V1Type.Deconvolution => "Deconvolution",
        V1Type.Data => "Data",
        V1Type.Dropout => "Dropout",
        V1Type.DummyData => "DummyData",
        V1Type.EuclideanLoss => "EuclideanLoss",
        V1Type.Eltwise => "Eltwise",
        V1Type.Exp => "Exp",
        V1Type.Flatten => "Flatten",
        V1Type.Hdf5Data => "HDF5Data",
        V1Type.Hdf5Output => "HDF5Output",
        V1Type.HingeLoss => "HingeLoss",
        V1Type.Im2Col => "Im2col",
        V1Type.ImageData => "ImageData",
        V1Type.InfogainLoss => "InfogainLoss",
        V1Type.InnerProduct => "InnerProduct",
        V1Type.Lrn => "LRN",
        V1Type.MemoryData => "MemoryData",
        V1Type.MultinomialLogisticLoss => "MultinomialLogisticLoss",
        V1Type.Mvn => "MVN",
        V1Type.Pooling => "Pooling",
        V1Type.Power => "Power",
        V1Type.Relu => "ReLU",
        V1Type.Sigmoid => "Sigmoid",
        V1Type.SigmoidCrossEntropyLoss => "SigmoidCrossEntropyLoss",
        V1Type.Silence => "Silence",
        V1Type.Softmax => "Softmax",
        V1Type.SoftmaxLoss => "SoftmaxWithLoss",
        V1Type.Split => "Split",
        V1Type.Slice => "Slice",
        V1Type.Tanh => "TanH",
        V1Type.WindowData => "WindowData",
        V1Type.Threshold => "Threshold",
        _ => null,
    };
}
