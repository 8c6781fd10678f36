namespace DistributedSolver.Backend;

/// <summary>
/// A 2-D window sliding over H×W planes: kernel, padding, stride and dilation, and the output size
/// the layer settled on (convolution rounds down, pooling up). Output position (oh, ow) with
/// kernel tap (i, j) reads input (oh·StrideH − PadH + i·DilationH, ow·StrideW − PadW + j·DilationW).
/// Plain integers, so a GPU kernel can take it by value.
/// </summary>
public readonly record struct SpatialWindow(
    int Height, int Width,
    int KernelH, int KernelW,
    int PadH, int PadW,
    int StrideH, int StrideW,
    int DilationH, int DilationW,
    int OutputH, int OutputW)
{
    public int InputSize => Height * Width;

    public int OutputSize => OutputH * OutputW;

    public int KernelSize => KernelH * KernelW;
}
