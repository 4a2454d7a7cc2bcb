import EffKernels
#if arch(x86_64)
import EffKernelsAVX2
#endif
import Foundation

/// Mamba's selective state-space block (Gu & Dao 2023, "Mamba: Linear-Time Sequence Modeling with Selective State
/// Spaces", arXiv:2312.00752, §3 and Algorithm 2, S6): `block ssm(state: 16, expand: 2, conv: 4)`.
///
/// With inner = expand · width, N = state, R = dt rank = ⌈width / 16⌉ (Mamba's low-rank Δ projection):
/// - (u, z) = x·W_inᵀ, each (rows, inner);
/// - u ← SiLU(causal depthwise conv1d of kernel `conv` over time on u, + bias);
/// - (δ, B, C) = u·W_xᵀ, widths R, N, N; Δ = softplus(δ·W_dtᵀ + b_dt) (rows, inner);
/// - A = −exp(A_log) (inner, N); zero-order hold Ā = exp(Δ·A) and Mamba's simplification B̄·u ≈ Δ·B·u;
/// - per sequence and channel: h_t = Ā_t ⊙ h_{t−1} + Δ_t·B_t·u_t (h_{−1} = 0), y_t = C_t·h_t + D·u_t;
/// - out = (y ⊙ SiLU(z))·W_outᵀ.
///
/// The scan runs sequentially over t and in parallel over sequences. Work is linear in the length, and
/// generating a token reads a fixed-size state (inner·N values and the last conv − 1 inputs) whatever the context:
/// `tokenWork(context:)` does not depend on the context. The backward is exact: a reverse-time scan for ∂L/∂h
/// over the states h_t, recomputed one sequence at a time rather than kept by the forward.
public struct StateSpaceMixer: SequenceMixer, Equatable {
    public let width: Int
    public let inner: Int
    public let state: Int
    public let convolution: Int
    public let dtRank: Int
    /// (2·inner, width): rows 0..<inner make u, then z.
    var inProjection: LinearMap
    /// (inner, conv): channel i's kernel, tap k multiplies the input conv − 1 − k steps back.
    var convolutionWeight: [Float]
    /// (inner)
    var convolutionBias: [Float]
    /// (R + 2N, inner): rows 0..<R make δ, then B, then C (Mamba's x_proj).
    var xProjection: LinearMap
    /// (inner, R)
    var dtProjection: LinearMap
    /// (inner)
    var dtBias: [Float]
    /// (inner, N); A = −exp(A_log).
    var logDecay: [Float]
    /// (inner)
    var skip: [Float]
    /// (width, inner)
    var outProjection: LinearMap

    public static let kind = BlockKind(
        name: "ssm",
        fields: [.init("state", default: .number(16), help: "state size N per channel"),
                 .init("expand", default: .number(2), help: "inner channels per model channel"),
                 .init("conv", default: .number(4), help: "causal depthwise convolution kernel length")],
        help: "Mamba's selective state-space block (S6): input-dependent Δ, B, C; linear in length, fixed-size state.",
        example: "block ssm(state: 16, expand: 2, conv: 4)",
        make: { arguments, width, random in
            try StateSpaceMixer(width: width, state: arguments.integer("state", in: 1...4096),
                                expand: arguments.integer("expand", in: 1...64),
                                convolution: arguments.integer("conv", in: 1...64), random: &random)
        })

    public init(width: Int, state: Int = 16, expand: Int = 2, convolution: Int = 4, random: inout RandomGenerator) throws {
        guard state >= 1, state <= 4096 else { throw ModelsError(.model, "ssm: state \(state); state must be in 1…4096") }
        guard expand >= 1, expand <= 64 else { throw ModelsError(.model, "ssm: expand \(expand); expand must be in 1…64") }
        guard convolution >= 1, convolution <= 64 else {
            throw ModelsError(.model, "ssm: conv \(convolution); conv must be in 1…64 (1 is no convolution)")
        }
        self.width = width
        self.state = state
        self.inner = expand * width
        self.convolution = convolution
        self.dtRank = (width + 15) / 16
        inProjection = LinearMap(inputs: width, outputs: 2 * inner, random: &random)
        let convolutionScale = 1 / Float(convolution).squareRoot()
        convolutionWeight = (0..<(inner * convolution)).map { _ in random.nextNormal() * convolutionScale }
        convolutionBias = [Float](repeating: 0, count: inner)
        xProjection = LinearMap(inputs: inner, outputs: dtRank + 2 * state, random: &random)
        dtProjection = LinearMap(inputs: dtRank, outputs: inner, random: &random)
        // Mamba's Δ init: Δ₀ log-uniform in [1e-3, 1e-1], b_dt = softplus⁻¹(Δ₀) = Δ₀ + log(1 − e^(−Δ₀)).
        dtBias = (0..<inner).map { _ in
            let dt = Foundation.exp(Foundation.log(1e-3) + random.nextDouble() * (Foundation.log(1e-1) - Foundation.log(1e-3)))
            return Float(dt + Foundation.log(-Foundation.expm1(-dt)))
        }
        // S4D-real init (Mamba): A_log[i, n] = log(n + 1), so A = −(1…N) in every channel.
        logDecay = (0..<(inner * state)).map { Float(Foundation.log(Double($0 % state + 1))) }
        skip = [Float](repeating: 1, count: inner)
        outProjection = LinearMap(inputs: inner, outputs: width, random: &random, scale: 0.5 / Float(inner).squareRoot())
    }

    public var description: String { "ssm state \(state), inner \(inner), conv \(convolution)" }
    public var spec: LayerSpec {
        LayerSpec(kind: Self.kind.name, arguments: ["state": .number(Double(state)), "expand": .number(Double(inner / width)),
                                                    "conv": .number(Double(convolution))])
    }

    // MARK: Parameters

    /// llama.cpp's Mamba names, except `ssm_a_log`: llama.cpp stores A = −exp(A_log) as `ssm_a`; we keep A_log,
    /// the parameter trained here.
    public var parameters: [[Float]] {
        [inProjection.weight, convolutionWeight, convolutionBias, xProjection.weight, dtProjection.weight, dtBias,
         logDecay, skip, outProjection.weight]
    }
    public var parameterShapes: [(name: String, shape: [Int])] {
        [("ssm_in.weight", [2 * inner, width]), ("ssm_conv1d.weight", [inner, convolution]), ("ssm_conv1d.bias", [inner]),
         ("ssm_x.weight", [dtRank + 2 * state, inner]), ("ssm_dt.weight", [inner, dtRank]), ("ssm_dt.bias", [inner]),
         ("ssm_a_log", [inner, state]), ("ssm_d", [inner]), ("ssm_out.weight", [width, inner])]
    }
    /// Matrices and the conv kernel decay; biases, A_log and D do not (Mamba's `_no_weight_decay`).
    public var decaysParameters: [Bool] { [true, true, false, true, true, false, false, false, true] }
    public mutating func setParameters(_ values: [[Float]]) {
        inProjection.weight = values[0]
        convolutionWeight = values[1]
        convolutionBias = values[2]
        xProjection.weight = values[3]
        dtProjection.weight = values[4]
        dtBias = values[5]
        logDecay = values[6]
        skip = values[7]
        outProjection.weight = values[8]
    }

    // MARK: Forward

    /// Columns of `xz` (rows, 2·inner) 0..<inner through the causal depthwise conv (+ bias). // → (rows, inner)
    func convolve(_ xz: [Float], shape: SequenceShape) -> [Float] {
        let inner = self.inner, kernel = convolution, length = shape.length
        let taps = transposedKernel()                     // (conv, inner): contiguous over channels per tap
        var result = [Float](repeating: 0, count: shape.rows * inner)
        xz.withUnsafeBufferPointer { xz in taps.withUnsafeBufferPointer { taps in
        convolutionBias.withUnsafeBufferPointer { bias in result.withUnsafeMutableBufferPointer { result in
            let xz = xz.baseAddress!, taps = taps.baseAddress!, bias = bias.baseAddress!, out = result.baseAddress!
            for row in 0..<shape.rows {
                let t = row % length, target = out + row * inner
                for i in 0..<inner { target[i] = bias[i] }
                // Tap k reads position t − (conv − 1 − k); the same per-element order as a loop over k inside i.
                for k in 0..<kernel where kernel - 1 - k <= t {
                    let source = xz + (row - (kernel - 1 - k)) * 2 * inner, weights = taps + k * inner
                    for i in 0..<inner { target[i] += weights[i] * source[i] }
                }
            }
        } } } }
        return result
    }

    /// The conv kernel as (conv, inner). // → (conv, inner)
    func transposedKernel() -> [Float] {
        var taps = [Float](repeating: 0, count: inner * convolution)
        for i in 0..<inner { for k in 0..<convolution { taps[k * inner + i] = convolutionWeight[i * convolution + k] } }
        return taps
    }

    /// saved: [xz (rows, 2·inner); conv output before SiLU (rows, inner); u (rows, inner); δBC (rows, R + 2N);
    /// Δ before softplus (rows, inner); Δ (rows, inner); y (rows, inner); y ⊙ SiLU(z) (rows, inner)]. The states h_t
    /// are not kept: the backward recomputes one sequence's at a time (Mamba's recomputation, §3.3).
    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        let rows = shape.rows, inner = self.inner
        let xz = inProjection(input, rows: rows)
        let convolved = convolve(xz, shape: shape)
        var u = [Float](repeating: 0, count: rows * inner)
        convolved.withUnsafeBufferPointer { c in u.withUnsafeMutableBufferPointer { u in
            inEights(rows * inner) { o, k in put8(silu8(lanes8(c.baseAddress! + o, k)), u.baseAddress! + o, k) }
        } }
        let projected = xProjection(u, rows: rows)
        var dtPre = dtProjection(columns(projected, 0..<dtRank, rows: rows), rows: rows)
        for row in 0..<rows { for i in 0..<inner { dtPre[row * inner + i] += dtBias[i] } }
        let delta = dtPre.map(softplus)
        var y = [Float](repeating: 0, count: rows * inner)
        let decay = logDecay.map { -Foundation.exp($0) }
        let n = state, length = shape.length, kernels = try ScanKernels(), bcStride = dtRank + 2 * state
        u.withUnsafeBufferPointer { u in projected.withUnsafeBufferPointer { bc in delta.withUnsafeBufferPointer { delta in
        decay.withUnsafeBufferPointer { decay in skip.withUnsafeBufferPointer { skip in y.withUnsafeMutableBufferPointer { y in
            let y = y.baseAddress!
            KernelThreads.forEachChunk(total: shape.batch, granularity: 1) { range in
                // The running state (inner, N), updated in place, and one channel's Ā_t (N).
                let h = UnsafeMutablePointer<Float>.allocate(capacity: inner * n), a = UnsafeMutablePointer<Float>.allocate(capacity: n)
                defer { h.deallocate(); a.deallocate() }
                for b in range {
                    h.initialize(repeating: 0, count: inner * n)
                    let first = b * length
                    kernels.forward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: dtRank,
                                    u: u.baseAddress! + first * inner, bc: bc.baseAddress! + first * bcStride,
                                    delta: delta.baseAddress! + first * inner, decay: decay.baseAddress!,
                                    skip: skip.baseAddress!, y: y + first * inner, states: h, keep: false, decayed: a)
                }
            }
        } } } } } }
        var gated = y
        xz.withUnsafeBufferPointer { xz in gated.withUnsafeMutableBufferPointer { gated in
            for row in 0..<rows {
                let z = xz.baseAddress! + row * 2 * inner + inner, g = gated.baseAddress! + row * inner
                inEights(inner) { o, k in put8(lanes8(g + o, k) * silu8(lanes8(z + o, k)), g + o, k) }
            }
        } }
        let output = outProjection(gated, rows: rows)
        return (output, [xz, convolved, u, projected, dtPre, delta, y, gated], 0)
    }

    /// The selective scan, keeping every state h_t (rows, inner, N) and y (rows, inner).
    func scan(u: [Float], projected: [Float], dtPre: [Float], shape: SequenceShape, states: inout [Float], y: inout [Float]) {
        let delta = dtPre.map(softplus), decay = logDecay.map { -Foundation.exp($0) }
        let n = state, length = shape.length, size = length * inner * n
        var decayed = [Float](repeating: 0, count: states.count)
        u.withUnsafeBufferPointer { u in projected.withUnsafeBufferPointer { bc in delta.withUnsafeBufferPointer { delta in
        decay.withUnsafeBufferPointer { decay in skip.withUnsafeBufferPointer { skip in y.withUnsafeMutableBufferPointer { y in
        states.withUnsafeMutableBufferPointer { h in decayed.withUnsafeMutableBufferPointer { a in
            let kernels = (try? ScanKernels()) ?? ScanKernels(avx2: false), bcStride = dtRank + 2 * n
            for b in 0..<shape.batch {
                let first = b * length
                kernels.forward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: dtRank,
                                u: u.baseAddress! + first * inner, bc: bc.baseAddress! + first * bcStride,
                                delta: delta.baseAddress! + first * inner, decay: decay.baseAddress!, skip: skip.baseAddress!,
                                y: y.baseAddress! + first * inner, states: h.baseAddress! + b * size, keep: true,
                                decayed: a.baseAddress! + b * size)
            }
        } } } } } } } }
    }

    // MARK: Backward

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        let xz = saved[0], convolved = saved[1], u = saved[2], projected = saved[3], dtPre = saved[4]
        let deltas = saved[5], y = saved[6], gated = saved[7]
        let rows = shape.rows, inner = self.inner, n = state, length = shape.length, kernel = convolution
        let bcStride = dtRank + 2 * state
        let (gatedGradient, outGradient) = outProjection.backward(gradient, input: gated, rows: rows)
        // gated = y ⊙ SiLU(z)
        var xzGradient = [Float](repeating: 0, count: rows * 2 * inner)
        var yGradient = [Float](repeating: 0, count: rows * inner)
        xz.withUnsafeBufferPointer { xz in gatedGradient.withUnsafeBufferPointer { gg in y.withUnsafeBufferPointer { y in
        yGradient.withUnsafeMutableBufferPointer { dy in xzGradient.withUnsafeMutableBufferPointer { dxz in
            for row in 0..<rows {
                let z = xz.baseAddress! + row * 2 * inner + inner, dz = dxz.baseAddress! + row * 2 * inner + inner
                let g = gg.baseAddress! + row * inner, y = y.baseAddress! + row * inner, dy = dy.baseAddress! + row * inner
                inEights(inner) { o, k in
                    let zv = lanes8(z + o, k), gv = lanes8(g + o, k)
                    put8(gv * silu8(zv), dy + o, k)
                    put8(gv * lanes8(y + o, k) * siluDerivative8(zv), dz + o, k)
                }
            }
        } } } } }
        // Reverse-time scan per sequence (B_t and C_t are shared by a sequence's channels, so a sequence is one task;
        // A_log and D sums are kept per sequence and added after). Per position the channels run in order, so ∂L/∂B_t
        // and ∂L/∂C_t gather their channels' terms in the same order as a channel-outer loop would.
        var uGradient = [Float](repeating: 0, count: rows * inner)
        var projectedGradient = [Float](repeating: 0, count: rows * bcStride)
        var dtGradient = [Float](repeating: 0, count: rows * inner)          // ∂L/∂(Δ before softplus)
        var decayGradients = [Float](repeating: 0, count: shape.batch * inner * n)   // per sequence, ∂L/∂A
        var skipGradients = [Float](repeating: 0, count: shape.batch * inner)
        let decay = logDecay.map { -Foundation.exp($0) }
        let skip = self.skip
        let kernels = try ScanKernels()
        var slopes = [Float](repeating: 0, count: rows * inner)             // softplus′(Δ before softplus) = σ
        dtPre.withUnsafeBufferPointer { pre in slopes.withUnsafeMutableBufferPointer { slopes in
            inEights(rows * inner) { o, k in put8(sigmoid8(lanes8(pre.baseAddress! + o, k)), slopes.baseAddress! + o, k) }
        } }
        u.withUnsafeBufferPointer { u in projected.withUnsafeBufferPointer { bc in slopes.withUnsafeBufferPointer { dt in
        deltas.withUnsafeBufferPointer { deltas in yGradient.withUnsafeBufferPointer { dy in
        decay.withUnsafeBufferPointer { decay in skip.withUnsafeBufferPointer { skip in
        uGradient.withUnsafeMutableBufferPointer { du in projectedGradient.withUnsafeMutableBufferPointer { dbc in
        dtGradient.withUnsafeMutableBufferPointer { ddt in decayGradients.withUnsafeMutableBufferPointer { dA in
        skipGradients.withUnsafeMutableBufferPointer { dD in
            let u = u.baseAddress!, bc = bc.baseAddress!, dt = dt.baseAddress!, deltas = deltas.baseAddress!, dy = dy.baseAddress!
            let decay = decay.baseAddress!, skip = skip.baseAddress!, du = du.baseAddress!
            let dbc = dbc.baseAddress!, ddt = ddt.baseAddress!, dA = dA.baseAddress!, dD = dD.baseAddress!
            KernelThreads.forEachChunk(total: shape.batch, granularity: 1) { range in
                // ∂L/∂h_t from later positions (inner, N); one sequence's recomputed h_t and Ā_t (length, inner, N).
                let carried = UnsafeMutablePointer<Float>.allocate(capacity: inner * n)
                let h = UnsafeMutablePointer<Float>.allocate(capacity: length * inner * n)
                let ab = UnsafeMutablePointer<Float>.allocate(capacity: length * inner * n)
                defer { carried.deallocate(); h.deallocate(); ab.deallocate() }
                for b in range {
                    let first = b * length
                    kernels.forward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: dtRank,
                                    u: u + first * inner, bc: bc + first * bcStride, delta: deltas + first * inner,
                                    decay: decay, skip: skip, y: nil, states: h, keep: true, decayed: ab)
                    kernels.backward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: dtRank,
                                     u: u + first * inner, bc: bc + first * bcStride, deltas: deltas + first * inner,
                                     slopes: dt + first * inner, dy: dy + first * inner, decay: decay, skip: skip,
                                     h: h, ab: ab, carried: carried, du: du + first * inner, dbc: dbc + first * bcStride,
                                     ddt: ddt + first * inner, dA: dA + b * inner * n, dD: dD + b * inner)
                }
            }
        } } } } } } } } } } } }
        // A = −exp(A_log): ∂L/∂A_log = ∂L/∂A · A.
        var logDecayGradient = [Float](repeating: 0, count: inner * n), skipGradient = [Float](repeating: 0, count: inner)
        for b in 0..<shape.batch {
            for j in 0..<(inner * n) { logDecayGradient[j] += decayGradients[b * inner * n + j] * decay[j] }
            for i in 0..<inner { skipGradient[i] += skipGradients[b * inner + i] }
        }
        // Δ = softplus(δ·W_dtᵀ + b_dt)
        var dtBiasGradient = [Float](repeating: 0, count: inner)
        for row in 0..<rows { for i in 0..<inner { dtBiasGradient[i] += dtGradient[row * inner + i] } }
        let (lowRankGradient, dtWeightGradient) = dtProjection.backward(dtGradient, input: columns(projected, 0..<dtRank, rows: rows),
                                                                        rows: rows)
        for row in 0..<rows { for r in 0..<dtRank { projectedGradient[row * bcStride + r] = lowRankGradient[row * dtRank + r] } }
        let (uFromProjection, xWeightGradient) = xProjection.backward(projectedGradient, input: u, rows: rows)
        addInPlace(&uGradient, uFromProjection)
        // u = SiLU(conv), then the conv's kernel, bias and input.
        // Per row, tap by tap over contiguous channels: each sum still gathers its terms in increasing row order.
        let taps = transposedKernel()
        var tapGradient = [Float](repeating: 0, count: kernel * inner)     // (conv, inner)
        var convolutionBiasGradient = [Float](repeating: 0, count: inner)
        var convGradient = [Float](repeating: 0, count: inner)
        uGradient.withUnsafeBufferPointer { du in convolved.withUnsafeBufferPointer { convolved in xz.withUnsafeBufferPointer { xz in
        taps.withUnsafeBufferPointer { taps in tapGradient.withUnsafeMutableBufferPointer { dTaps in
        convolutionBiasGradient.withUnsafeMutableBufferPointer { dBias in convGradient.withUnsafeMutableBufferPointer { dc in
        xzGradient.withUnsafeMutableBufferPointer { dxz in
            let du = du.baseAddress!, convolved = convolved.baseAddress!, xz = xz.baseAddress!, taps = taps.baseAddress!
            let dTaps = dTaps.baseAddress!, dBias = dBias.baseAddress!, dc = dc.baseAddress!, dxz = dxz.baseAddress!
            for row in 0..<rows {
                let t = row % length
                inEights(inner) { o, k in
                    let value = lanes8(du + row * inner + o, k) * siluDerivative8(lanes8(convolved + row * inner + o, k))
                    put8(value, dc + o, k)
                    put8(lanes8(dBias + o, k) + value, dBias + o, k)
                }
                for k in 0..<kernel where kernel - 1 - k <= t {
                    let source = (row - (kernel - 1 - k)) * 2 * inner
                    let x = xz + source, dx = dxz + source, w = taps + k * inner, dw = dTaps + k * inner
                    for i in 0..<inner {
                        dw[i] += dc[i] * x[i]
                        dx[i] += dc[i] * w[i]
                    }
                }
            }
        } } } } } } } }
        var convolutionWeightGradient = [Float](repeating: 0, count: inner * kernel)
        for i in 0..<inner { for k in 0..<kernel { convolutionWeightGradient[i * kernel + k] = tapGradient[k * inner + i] } }
        let (inputGradient, inGradient) = inProjection.backward(xzGradient, input: input, rows: rows)
        return (inputGradient, [inGradient, convolutionWeightGradient, convolutionBiasGradient, xWeightGradient,
                                dtWeightGradient, dtBiasGradient, logDecayGradient, skipGradient, outGradient])
    }

    /// Columns `range` of a (rows, columns) matrix. // → (rows, range.count)
    func columns(_ matrix: [Float], _ range: Range<Int>, rows: Int) -> [Float] {
        let total = matrix.count / max(rows, 1)
        var result = [Float](repeating: 0, count: rows * range.count)
        for row in 0..<rows { for (j, c) in range.enumerated() { result[row * range.count + j] = matrix[row * total + c] } }
        return result
    }

    // MARK: Work

    /// Everything but the scan's reads of the state, per `rows` positions: projections, conv, activations, scan.
    func work(rows: Int) -> Work {
        var work = inProjection.work(rows: rows) + xProjection.work(rows: rows) + dtProjection.work(rows: rows)
            + outProjection.work(rows: rows)
        let channels = UInt64(rows * inner), cells = channels * UInt64(state)
        work.add(.f32MultiplyAdd, channels * UInt64(convolution))   // depthwise conv
        work.add(.f32Add, 2 * channels)                            // conv bias, Δ bias
        work.add(.f32Transcendental, 2 * channels + 2 * channels)  // SiLU(conv), SiLU(z): one exp each; softplus: exp, log
        work.add(.f32Divide, 2 * channels)                         // the SiLUs
        work.add(.f32Transcendental, cells)                        // Ā = exp(Δ·A)
        work.add(.f32Multiply, 2 * cells + 2 * channels)           // Δ·A, Ā·h; Δ·u, y ⊙ SiLU(z)
        work.add(.f32MultiplyAdd, 2 * cells + channels)            // + Δu·B, y += C·h; + D·u
        work.weightBytesRead += UInt64(inner * (convolution + 3 + state)) * 4
        return work
    }

    /// Linear in the length: every position does the same work.
    public func forwardWork(shape: SequenceShape) -> Work { work(rows: shape.rows) }

    /// One position's work, reading and writing the fixed state: the same at every context length.
    public func tokenWork(context: Int) -> Work {
        var work = work(rows: 1)
        let cache = UInt64(cacheValues(context: context)) * 4
        work.activationBytesRead += cache
        work.activationBytesWritten += cache
        return work
    }

    /// The recurrent state (inner · N) and the conv window (inner · (conv − 1)), at any context.
    public func cacheValues(context: Int) -> Int { inner * state + inner * (convolution - 1) }
}

@inline(__always) private func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}

/// e^x over eight lanes (the scan's exp; within 1 ulp of expf).
@inline(__always) func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> { EffKernels.SelectiveScanKernels.exponential(x) }

/// SiLU, σ and SiLU′ over eight lanes, with the scan's exp.
@inline(__always) func silu8(_ x: SIMD8<Float>) -> SIMD8<Float> { x / (1 + exponential(-x)) }
@inline(__always) func sigmoid8(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + exponential(-x)) }
@inline(__always) func siluDerivative8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let s = sigmoid8(x)
    return s * (1 + x * (1 - s))
}

/// Calls `body(offset, lanes)` over 0..<count in steps of 8; `lanes` is 8 but at a short tail.
@inline(__always) private func inEights(_ count: Int, _ body: (Int, Int) -> Void) {
    var offset = 0
    while offset < count { body(offset, min(8, count - offset)); offset += 8 }
}
/// `lanes` values from `pointer` (the rest zero).
@inline(__always) private func lanes8(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
    if lanes == 8 { return load8(pointer) }
    var value = SIMD8<Float>()
    for k in 0..<lanes { value[k] = pointer[k] }
    return value
}
@inline(__always) private func lanes8(_ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) -> SIMD8<Float> {
    lanes8(UnsafePointer(pointer), lanes)
}
/// The first `lanes` values of `value` to `pointer`.
@inline(__always) private func put8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 { store8(value, pointer); return }
    for k in 0..<lanes { pointer[k] = value[k] }
}

/// The selective-scan kernels of the level kernel calls use now (`KernelDispatch`): the AVX2 build of the same source
/// (256-bit, the same bits) or the portable one.
struct ScanKernels {
    let avx2: Bool
    init(avx2: Bool) { self.avx2 = avx2 }
    init() throws { avx2 = try KernelDispatch.current() >= .avx2 }

    @inline(__always)
    func forward(length: Int, inner: Int, n: Int, bcStride: Int, offsetB: Int, u: UnsafePointer<Float>,
                 bc: UnsafePointer<Float>, delta: UnsafePointer<Float>, decay: UnsafePointer<Float>,
                 skip: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>?, states: UnsafeMutablePointer<Float>,
                 keep: Bool, decayed: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if avx2 {
            EffKernelsAVX2.SelectiveScanKernels.forward(length: length, inner: inner, n: n, bcStride: bcStride,
                                                        offsetB: offsetB, u: u, bc: bc, delta: delta, decay: decay,
                                                        skip: skip, y: y, states: states, keep: keep, decayed: decayed)
            return
        }
        #endif
        EffKernels.SelectiveScanKernels.forward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: offsetB,
                                                u: u, bc: bc, delta: delta, decay: decay, skip: skip, y: y,
                                                states: states, keep: keep, decayed: decayed)
    }

    @inline(__always)
    func backward(length: Int, inner: Int, n: Int, bcStride: Int, offsetB: Int, u: UnsafePointer<Float>,
                  bc: UnsafePointer<Float>, deltas: UnsafePointer<Float>, slopes: UnsafePointer<Float>,
                  dy: UnsafePointer<Float>, decay: UnsafePointer<Float>, skip: UnsafePointer<Float>,
                  h: UnsafePointer<Float>, ab: UnsafePointer<Float>, carried: UnsafeMutablePointer<Float>,
                  du: UnsafeMutablePointer<Float>, dbc: UnsafeMutablePointer<Float>, ddt: UnsafeMutablePointer<Float>,
                  dA: UnsafeMutablePointer<Float>, dD: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if avx2 {
            EffKernelsAVX2.SelectiveScanKernels.backward(length: length, inner: inner, n: n, bcStride: bcStride,
                                                         offsetB: offsetB, u: u, bc: bc, deltas: deltas, slopes: slopes,
                                                         dy: dy, decay: decay, skip: skip, h: h, ab: ab, carried: carried,
                                                         du: du, dbc: dbc, ddt: ddt, dA: dA, dD: dD)
            return
        }
        #endif
        EffKernels.SelectiveScanKernels.backward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: offsetB,
                                                 u: u, bc: bc, deltas: deltas, slopes: slopes, dy: dy, decay: decay,
                                                 skip: skip, h: h, ab: ab, carried: carried, du: du, dbc: dbc, ddt: ddt,
                                                 dA: dA, dD: dD)
    }
}
