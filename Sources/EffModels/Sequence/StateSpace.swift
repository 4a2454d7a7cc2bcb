import EffKernels
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
/// The scan runs sequentially over t and in parallel over (sequence, channel). Work is linear in the length, and
/// generating a token reads a fixed-size state (inner·N values and the last conv − 1 inputs) whatever the context:
/// `tokenWork(context:)` does not depend on the context. The backward is exact: a reverse-time scan for ∂L/∂h
/// over the states h_t kept by the forward.
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
    /// Δ before softplus (rows, inner); states h_t (rows, inner, N); y (rows, inner); y ⊙ SiLU(z) (rows, inner);
    /// Ā_t = exp(Δ_t·A) (rows, inner, N)].
    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        let rows = shape.rows, inner = self.inner
        let xz = inProjection(input, rows: rows)
        let convolved = convolve(xz, shape: shape)
        let u = convolved.map(silu)
        let projected = xProjection(u, rows: rows)
        var dtPre = dtProjection(columns(projected, 0..<dtRank, rows: rows), rows: rows)
        for row in 0..<rows { for i in 0..<inner { dtPre[row * inner + i] += dtBias[i] } }
        var states = [Float](repeating: 0, count: rows * inner * state)
        var decayed = [Float](repeating: 0, count: rows * inner * state)
        var y = [Float](repeating: 0, count: rows * inner)
        scan(u: u, projected: projected, dtPre: dtPre, shape: shape, states: &states, y: &y, decayed: &decayed)
        var gated = y
        for row in 0..<rows { for i in 0..<inner { gated[row * inner + i] *= silu(xz[row * 2 * inner + inner + i]) } }
        let output = outProjection(gated, rows: rows)
        return (output, [xz, convolved, u, projected, dtPre, states, y, gated, decayed], 0)
    }

    /// The selective scan without keeping Ā.
    func scan(u: [Float], projected: [Float], dtPre: [Float], shape: SequenceShape, states: inout [Float], y: inout [Float]) {
        var decayed = [Float](repeating: 0, count: states.count)
        scan(u: u, projected: projected, dtPre: dtPre, shape: shape, states: &states, y: &y, decayed: &decayed)
    }

    /// The selective scan, sequential over t, parallel over sequences; per position the channels' states (inner, N)
    /// are contiguous, and the state dimension is the SIMD dimension. Writes h_t, y_t and Ā_t.
    func scan(u: [Float], projected: [Float], dtPre: [Float], shape: SequenceShape, states: inout [Float], y: inout [Float],
              decayed: inout [Float]) {
        let inner = self.inner, n = state, length = shape.length, bcStride = dtRank + 2 * state, offsetB = dtRank
        let decay = logDecay.map { -Foundation.exp($0) }
        let blocks = n / 8 * 8
        u.withUnsafeBufferPointer { u in projected.withUnsafeBufferPointer { bc in dtPre.withUnsafeBufferPointer { dt in
        decay.withUnsafeBufferPointer { decay in skip.withUnsafeBufferPointer { skip in decayed.withUnsafeMutableBufferPointer { ab in
            states.withUnsafeMutableBufferPointer { h in y.withUnsafeMutableBufferPointer { y in
                let u = u.baseAddress!, bc = bc.baseAddress!, dt = dt.baseAddress!, decay = decay.baseAddress!
                let skip = skip.baseAddress!, ab = ab.baseAddress!, h = h.baseAddress!, y = y.baseAddress!
                KernelThreads.forEachChunk(total: shape.batch, granularity: 1) { range in
                    for b in range {
                        for t in 0..<length {
                            let row = b * length + t
                            let bValues = bc + row * bcStride + offsetB, cValues = bValues + n
                            for i in 0..<inner {
                                let delta = softplus(dt[row * inner + i]), input = u[row * inner + i]
                                let here = h + (row * inner + i) * n, before = here - inner * n
                                let a = ab + (row * inner + i) * n, rates = decay + i * n
                                for s in 0..<n { a[s] = Foundation.exp(delta * rates[s]) }
                                var lanes = SIMD8<Float>(), total: Float = 0
                                let deltaVector = SIMD8<Float>(repeating: delta), inputVector = SIMD8<Float>(repeating: input)
                                var s = 0
                                while s < blocks {
                                    let previous = t > 0 ? load8(before + s) : SIMD8<Float>()
                                    let value = load8(a + s) * previous + deltaVector * load8(bValues + s) * inputVector
                                    store8(value, here + s)
                                    lanes += load8(cValues + s) * value
                                    s += 8
                                }
                                while s < n {
                                    let previous = t > 0 ? before[s] : 0
                                    let value = a[s] * previous + delta * bValues[s] * input
                                    here[s] = value
                                    total += cValues[s] * value
                                    s += 1
                                }
                                y[row * inner + i] = (lanes.sum() + total) + skip[i] * input
                            }
                        }
                    }
                }
            } }
        } } } } } }
    }

    // MARK: Backward

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        let xz = saved[0], convolved = saved[1], u = saved[2], projected = saved[3], dtPre = saved[4]
        let states = saved[5], y = saved[6], gated = saved[7], decayed = saved[8]
        let rows = shape.rows, inner = self.inner, n = state, length = shape.length, kernel = convolution
        let bcStride = dtRank + 2 * state
        let (gatedGradient, outGradient) = outProjection.backward(gradient, input: gated, rows: rows)
        // gated = y ⊙ SiLU(z)
        var xzGradient = [Float](repeating: 0, count: rows * 2 * inner)
        var yGradient = [Float](repeating: 0, count: rows * inner)
        for row in 0..<rows {
            for i in 0..<inner {
                let z = xz[row * 2 * inner + inner + i], g = gatedGradient[row * inner + i]
                yGradient[row * inner + i] = g * silu(z)
                xzGradient[row * 2 * inner + inner + i] = g * y[row * inner + i] * siluDerivative(z)
            }
        }
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
        let blocks = n / 8 * 8
        u.withUnsafeBufferPointer { u in projected.withUnsafeBufferPointer { bc in dtPre.withUnsafeBufferPointer { dt in
        states.withUnsafeBufferPointer { h in yGradient.withUnsafeBufferPointer { dy in decayed.withUnsafeBufferPointer { ab in
        decay.withUnsafeBufferPointer { decay in skip.withUnsafeBufferPointer { skip in
        uGradient.withUnsafeMutableBufferPointer { du in projectedGradient.withUnsafeMutableBufferPointer { dbc in
        dtGradient.withUnsafeMutableBufferPointer { ddt in decayGradients.withUnsafeMutableBufferPointer { dA in
        skipGradients.withUnsafeMutableBufferPointer { dD in
            let u = u.baseAddress!, bc = bc.baseAddress!, dt = dt.baseAddress!, h = h.baseAddress!, dy = dy.baseAddress!
            let ab = ab.baseAddress!, decay = decay.baseAddress!, skip = skip.baseAddress!, du = du.baseAddress!
            let dbc = dbc.baseAddress!, ddt = ddt.baseAddress!, dA = dA.baseAddress!, dD = dD.baseAddress!
            KernelThreads.forEachChunk(total: shape.batch, granularity: 1) { range in
                // ∂L/∂h_t from later positions, (inner, N)
                let carried = UnsafeMutablePointer<Float>.allocate(capacity: inner * n)
                defer { carried.deallocate() }
                for b in range {
                    carried.initialize(repeating: 0, count: inner * n)
                    for t in stride(from: length - 1, through: 0, by: -1) {
                        let row = b * length + t
                        let bValues = bc + row * bcStride + dtRank, cValues = bValues + n
                        let bGradient = dbc + row * bcStride + dtRank, cGradient = bGradient + n
                        for i in 0..<inner {
                            let pre = dt[row * inner + i], delta = softplus(pre), input = u[row * inner + i]
                            let g = dy[row * inner + i]
                            let here = h + (row * inner + i) * n, before = here - inner * n
                            let a = ab + (row * inner + i) * n, rates = decay + i * n
                            let later = carried + i * n, decayGradient = dA + (b * inner + i) * n
                            dD[b * inner + i] += g * input
                            var inputGradient = g * skip[i], deltaGradient: Float = 0
                            var inputLanes = SIMD8<Float>(), deltaLanes = SIMD8<Float>()
                            let gv = SIMD8<Float>(repeating: g), deltaV = SIMD8<Float>(repeating: delta)
                            let inputV = SIMD8<Float>(repeating: input)
                            var s = 0
                            while s < blocks {
                                let c = load8(cValues + s), bValue = load8(bValues + s), value = load8(here + s)
                                store8(load8(cGradient + s) + gv * value, cGradient + s)               // ∂L/∂C_t
                                let dh = load8(later + s) + gv * c                                      // ∂L/∂h_t
                                let previous = t > 0 ? load8(before + s) : SIMD8<Float>()
                                let rate = load8(rates + s), decayed = load8(a + s)
                                let dDecayed = dh * previous                                            // ∂L/∂Ā_t
                                deltaLanes += dDecayed * decayed * rate + dh * bValue * inputV
                                store8(load8(decayGradient + s) + dDecayed * decayed * deltaV, decayGradient + s)
                                store8(load8(bGradient + s) + dh * deltaV * inputV, bGradient + s)     // ∂L/∂B_t
                                inputLanes += dh * deltaV * bValue
                                store8(dh * decayed, later + s)                                         // ∂L/∂h_{t−1}
                                s += 8
                            }
                            while s < n {
                                let c = cValues[s], bValue = bValues[s], value = here[s]
                                cGradient[s] += g * value
                                let dh = later[s] + g * c
                                let previous = t > 0 ? before[s] : 0
                                let rate = rates[s], decayed = a[s]
                                let dDecayed = dh * previous
                                deltaGradient += dDecayed * decayed * rate + dh * bValue * input
                                decayGradient[s] += dDecayed * decayed * delta
                                bGradient[s] += dh * delta * input
                                inputGradient += dh * delta * bValue
                                later[s] = dh * decayed
                                s += 1
                            }
                            du[row * inner + i] += inputGradient + inputLanes.sum()
                            ddt[row * inner + i] = (deltaLanes.sum() + deltaGradient) * sigmoid(pre)   // softplus′ = σ
                        }
                    }
                }
            }
        } } } } } } } } } } } } }
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
                for i in 0..<inner {
                    let value = du[row * inner + i] * siluDerivative(convolved[row * inner + i])
                    dc[i] = value
                    dBias[i] += value
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
