namespace DistributedSolver.Backend;

/// <summary>
/// The primitives that layers and solvers are written against (Caffe's math_functions plus the
/// per-layer kernels). The CPU backend implements them with BLAS and TensorPrimitives; the GPU
/// backend implements the same operations with ILGPU kernels, so no layer or solver changes.
/// All matrices are row-major. Every operation must be deterministic: the same inputs give the
/// same bits whatever the process's thread count (DESIGN.md, "The unit of work").
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>What this backend computes with, e.g. "CPU, GEMM: OpenBLAS 0.3.21, 2 tiles in parallel".</summary>
    string Description { get; }

    /// <summary>
    /// What decides the bits of its results, thread counts aside, e.g. "CPU (AVX2 FMA), GEMM:
    /// OpenBLAS 0.3.21 Haswell": two backends with the same arithmetic give the same gradient for
    /// the same unit, so the nodes of a run must share it.
    /// </summary>
    string Arithmetic { get; }

    /// <summary>A zero-filled buffer of <paramref name="length"/> floats.</summary>
    DeviceBuffer Allocate(int length);

    /// <summary>
    /// Prepares <paramref name="pinned"/>, an array on the pinned object heap, for transfers at
    /// full speed: a GPU backend page-locks it, so uploads from it and downloads into it go by DMA
    /// with no staging copy in the driver. Null when the backend needs nothing (the CPU backend);
    /// otherwise dispose the lock before dropping the array. <see cref="HostBufferPool"/> calls it
    /// once per array.
    /// </summary>
    IDisposable? LockPages(byte[] pinned);

    void Upload(ReadOnlySpan<float> source, BufferView destination);
    void Download(BufferView source, Span<float> destination);

    /// <summary>destination = source; the two must not overlap (a device copy of overlapping ranges is undefined).</summary>
    void Copy(BufferView source, BufferView destination);
    void Fill(BufferView x, float value);

    /// <summary>C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n, all dense row-major.</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, BufferView a, BufferView b, float beta, BufferView c);

    /// <summary>y = alpha·op(A)·x + beta·y with A m×n row-major.</summary>
    void Gemv(Transpose transA, int m, int n, float alpha, BufferView a, BufferView x, float beta, BufferView y);

    /// <summary>y = alpha·x + y.</summary>
    void Axpy(float alpha, BufferView x, BufferView y);

    /// <summary>y = alpha·x + beta·y.</summary>
    void Axpby(float alpha, BufferView x, float beta, BufferView y);

    /// <summary>x = alpha·x.</summary>
    void Scale(float alpha, BufferView x);

    /// <summary>y = a + b.</summary>
    void Add(BufferView a, BufferView b, BufferView y);

    /// <summary>y = a − b.</summary>
    void Subtract(BufferView a, BufferView b, BufferView y);

    float Dot(BufferView x, BufferView y);
    float SumOfSquares(BufferView x);
    float Sum(BufferView x);

    /// <summary>y = x &gt; 0 ? x : slope·x.</summary>
    void ReluForward(BufferView x, BufferView y, float negativeSlope);

    /// <summary>dx = dy · (x &gt; 0 ? 1 : slope). <paramref name="x"/> may alias <paramref name="dx"/>'s blob data (in-place ReLU).</summary>
    void ReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope);

    /// <summary>Softmax over the channel axis of an (outer, channels, inner) array.</summary>
    void SoftmaxForward(int outer, int channels, int inner, BufferView x, BufferView y);

    /// <summary>
    /// Σ −log(max(p[label], FLT_MIN)) over the (outer, inner) positions whose label is not
    /// <paramref name="ignoreLabel"/>, and the number of such positions.
    /// </summary>
    (float LossSum, int Valid) SoftmaxCrossEntropy(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel);

    /// <summary>dx = scale·(p − onehot(label)); zero at ignored positions.</summary>
    void SoftmaxCrossEntropyBackward(int outer, int channels, int inner,
        BufferView probabilities, BufferView labels, int? ignoreLabel, float scale, BufferView dx);

    /// <summary>y = a·b, elementwise.</summary>
    void Multiply(BufferView a, BufferView b, BufferView y);

    /// <summary>y = a / b, elementwise.</summary>
    void Divide(BufferView a, BufferView b, BufferView y);

    /// <summary>
    /// Copies <paramref name="blocks"/> runs of <paramref name="length"/> floats, run b from
    /// <paramref name="source"/>[b·sourceStride] to <paramref name="destination"/>[b·destinationStride]
    /// (Concat's slices along an axis, and back).
    /// </summary>
    void CopyBlocks(BufferView source, int sourceStride, BufferView destination, int destinationStride, int blocks, int length);

    /// <summary>y[c, r, :] = x[r, c, :] for x of shape (rows, cols, block).</summary>
    void TransposeBlocks(BufferView x, int rows, int cols, int block, BufferView y);

    /// <summary>
    /// Caffe's im2col over <paramref name="count"/> images of shape (channels, H, W), side by side:
    /// <paramref name="columns"/> is a (channels·KernelH·KernelW) × (count·OutputH·OutputW) matrix whose
    /// row (c·KernelH + i)·KernelW + j, column n·OutputSize + oh·OutputW + ow holds image n's channel c
    /// at the position the window reads for tap (i, j) at output (oh, ow); 0 in the padding.
    /// </summary>
    void Im2Col(BufferView images, int count, int channels, SpatialWindow window, BufferView columns);

    /// <summary>The adjoint of <see cref="Im2Col"/> (Caffe's col2im): each image element is set to the sum of the column entries read from it.</summary>
    void Col2Im(BufferView columns, int count, int channels, SpatialWindow window, BufferView images);

    /// <summary>
    /// Caffe's MAX pooling over <paramref name="planes"/> planes: y is the window's maximum (the
    /// first one in row-major order on ties) and <paramref name="argmax"/> its index h·W + w in the plane.
    /// </summary>
    void MaxPoolForward(BufferView x, int planes, SpatialWindow window, BufferView y, BufferView argmax);

    /// <summary>dx = 0, then dy added at each output's <paramref name="argmax"/>.</summary>
    void MaxPoolBackward(BufferView dy, BufferView argmax, int planes, SpatialWindow window, BufferView dx);

    /// <summary>
    /// Caffe's AVE pooling: the sum over the window's part inside the plane, divided by the
    /// window's size clipped to the padded plane (so padding counts as zeros, the area beyond it not).
    /// </summary>
    void AveragePoolForward(BufferView x, int planes, SpatialWindow window, BufferView y);

    /// <summary>dx = 0, then each dy spread over its window with the forward pass's divisor.</summary>
    void AveragePoolBackward(BufferView dy, int planes, SpatialWindow window, BufferView dx);

    /// <summary>
    /// Keras' ReLU: m = x &gt; threshold ? x : 0, clipped to <paramref name="maxValue"/>, minus
    /// slope·max(threshold − x, 0). <paramref name="maxValue"/> is +∞ when unset.
    /// </summary>
    void ClippedReluForward(BufferView x, BufferView y, float negativeSlope, float threshold, float maxValue);

    /// <summary>
    /// dx = dy·f′(x) with f′ = 1 on threshold &lt; x &lt; maxValue, slope on x ≤ threshold, 0 on
    /// x ≥ maxValue: each kink takes the slope of the piece it belongs to in the forward pass.
    /// </summary>
    void ClippedReluBackward(BufferView x, BufferView dy, BufferView dx, float negativeSlope, float threshold, float maxValue);

    /// <summary>y = 1 / (1 + e^−x).</summary>
    void SigmoidForward(BufferView x, BufferView y);

    /// <summary>dx = dy·y·(1 − y), from the forward output y.</summary>
    void SigmoidBackward(BufferView y, BufferView dy, BufferView dx);

    /// <summary>y = tanh x.</summary>
    void TanhForward(BufferView x, BufferView y);

    /// <summary>dx = dy·(1 − y²), from the forward output y.</summary>
    void TanhBackward(BufferView y, BufferView dy, BufferView dx);

    /// <summary>Softmax's gradient over the channel axis: dx = (dy − Σ_c dy·y)·y.</summary>
    void SoftmaxBackward(int outer, int channels, int inner, BufferView y, BufferView dy, BufferView dx);

    /// <summary>
    /// Dropout: y = x·scale where the element's draw <see cref="Randomness.DeterministicSeed.Uniform"/>(key, i)
    /// is at least <paramref name="ratio"/>, else 0. The mask is a function of (key, i) alone.
    /// </summary>
    void DropoutForward(BufferView x, BufferView y, ulong key, float ratio, float scale);

    /// <summary>dx = dy·scale where the forward pass kept the element, else 0.</summary>
    void DropoutBackward(BufferView dy, BufferView dx, ulong key, float ratio, float scale);

    /// <summary>
    /// Σ over elements whose target is not <paramref name="ignoreLabel"/> of Caffe's stable logistic
    /// loss −(x·(t − [x ≥ 0]) − log(1 + e^(x − 2x·[x ≥ 0]))), and the number of such elements.
    /// </summary>
    (float LossSum, int Valid) SigmoidCrossEntropy(BufferView x, BufferView targets, int? ignoreLabel);

    /// <summary>dx = scale·(sigmoid − target); zero where the target is the ignored label.</summary>
    void SigmoidCrossEntropyBackward(BufferView sigmoid, BufferView targets, int? ignoreLabel, float scale, BufferView dx);

    /// <summary>Σ |x|.</summary>
    float SumOfMagnitudes(BufferView x);

    /// <summary>y = scale·sign(x), with sign(0) = 0 (the gradient of |x| as TensorFlow and JAX take it).</summary>
    void ScaledSign(BufferView x, float scale, BufferView y);

    /// <summary>
    /// Keras's binary cross-entropy over probabilities: Σ −(t·log p̂ + (1 − t)·log(1 − p̂)) with
    /// p̂ = clip(p, ε, 1 − ε), so a probability of exactly 0 or 1 gives a finite loss.
    /// </summary>
    float BinaryCrossEntropy(BufferView probabilities, BufferView targets, float epsilon);

    /// <summary>
    /// dx = scale·((1 − t)/(1 − p) − t/p) where ε ≤ p ≤ 1 − ε, and 0 outside, where the clip holds
    /// p̂ constant (TensorFlow's clip_by_value gradient).
    /// </summary>
    void BinaryCrossEntropyBackward(BufferView probabilities, BufferView targets, float epsilon, float scale, BufferView dx);

    /// <summary>Keras's binary_accuracy count: the elements where (p &gt; threshold ? 1 : 0) equals the target.</summary>
    int BinaryAccuracyCount(BufferView probabilities, BufferView targets, float threshold);

    /// <summary>
    /// One bottom of Caffe's Eltwise MAX: bottom 0 initializes y and argmax; bottom 1 takes over
    /// where it is ≥ y (Caffe compares the first two with a &gt; b), later bottoms where they are &gt; y.
    /// </summary>
    void EltwiseMaxForward(BufferView x, int index, BufferView y, BufferView argmax);

    /// <summary>dx = dy where <paramref name="argmax"/> is <paramref name="index"/>, else 0.</summary>
    void EltwiseMaxBackward(BufferView dy, BufferView argmax, int index, BufferView dx);

    /// <summary>The number of (outer, inner) positions whose label is among the top k scores, and the number counted.</summary>
    (int Correct, int Counted) AccuracyCount(int outer, int channels, int inner,
        BufferView scores, BufferView labels, int topK, int? ignoreLabel);

    // The solver kernels: one fused pass per update rule over one parameter's weights, gradient
    // and history. Each reads d = Scale·g + Decay·R(w) (see RegularizedGradient) in place of the
    // gradient, leaves the gradient as it was, and takes its rate as lr × lr_mult (Caffe's
    // local_rate). Every element is computed alone, so chunking and threads never change a bit.

    /// <summary>Caffe's SGD: h = momentum·h + rate·d; w = w − h.</summary>
    void SgdUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate);

    /// <summary>
    /// Caffe's Nesterov: h' = momentum·h + rate·d; w = w − ((1 + momentum)·h' − momentum·h);
    /// h = h' (a step back from the old momentum, then over the new one).
    /// </summary>
    void NesterovUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float momentum, float rate);

    /// <summary>
    /// Caffe's AdaGrad: h = h + d²; w = w − rate·(d / (√h + delta)), or d / √(h + delta) when
    /// <paramref name="deltaUnderRoot"/> (Keras's Adagrad).
    /// </summary>
    void AdaGradUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float delta, bool deltaUnderRoot, float rate);

    /// <summary>
    /// Caffe's RMSProp: h = rmsDecay·h + (1 − rmsDecay)·d²; w = w − rate·(d / (√h + delta)), or
    /// d / √(h + delta) when <paramref name="deltaUnderRoot"/> (Keras's RMSprop).
    /// </summary>
    void RmsPropUpdate(BufferView weights, BufferView gradient, BufferView history,
        RegularizedGradient d, float rmsDecay, float delta, bool deltaUnderRoot, float rate);

    /// <summary>
    /// Caffe's AdaDelta (momentum is the decay ρ): hg = ρ·hg + (1 − ρ)·d²;
    /// u = d·√((hu + delta) / (hg + delta)); hu = ρ·hu + (1 − ρ)·u²; w = w − rate·u.
    /// </summary>
    void AdaDeltaUpdate(BufferView weights, BufferView gradient, BufferView gradientHistory, BufferView updateHistory,
        RegularizedGradient d, float momentum, float delta, float rate);

    /// <summary>
    /// Caffe's Adam: m = β1·m + (1 − β1)·d; v = β2·v + (1 − β2)·d²;
    /// w = w − correctedRate·(m / (√v + epsilon)). The caller folds the bias correction
    /// √(1 − β2^t) / (1 − β1^t) into <paramref name="correctedRate"/>, once per iteration.
    /// </summary>
    void AdamUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate);

    /// <summary>
    /// AMSGrad (Keras's Adam with amsgrad): <see cref="AdamUpdate"/> with
    /// vMax = max(vMax, v) in the denominator in place of v.
    /// </summary>
    void AmsGradUpdate(BufferView weights, BufferView gradient, BufferView mean, BufferView variance, BufferView maxVariance,
        RegularizedGradient d, float beta1, float beta2, float epsilon, float correctedRate);
}
