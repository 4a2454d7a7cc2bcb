// This one file is compiled twice, as PortableRowKernels.swift is: in EffKernels for the baseline CPU and, as an
// identical copy, in EffKernelsAVX2 with AVX2 flags, where the same SIMD8 code becomes 256-bit code. The arithmetic
// (no fused multiply-adds: Swift does not contract) is the same in both, so both give the same bits.

/// Mamba's selective scan (S6) over one sequence, for `StateSpaceMixer` in EffModels: raw pointers and explicit sizes.
/// Per position the channels' states (inner, N) are contiguous and the state dimension N is the SIMD dimension.
/// Pointers to per-row tensors point at the sequence's first row: u, Δ, y, σ (rows, inner); δBC (rows, bcStride)
/// with B at column `offsetB` and C right after it; decay A (inner, N); skip D (inner).
public enum SelectiveScanKernels {
    /// h_t = Ā_t ⊙ h_{t−1} + Δ_t·B_t·u_t, Ā_t = exp(Δ_t·A), y_t = C_t·h_t + D·u_t. With `keep`, `states` and `decayed`
    /// receive h_t and Ā_t for every position (length, inner, N); without, `states` is the running state (inner, N),
    /// zero on entry and updated in place, and `decayed` is scratch for N values. Writes y when `y` is given.
    public static func forward(length: Int, inner: Int, n: Int, bcStride: Int, offsetB: Int,
                               u: UnsafePointer<Float>, bc: UnsafePointer<Float>, delta: UnsafePointer<Float>,
                               decay: UnsafePointer<Float>, skip: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>?,
                               states: UnsafeMutablePointer<Float>, keep: Bool, decayed: UnsafeMutablePointer<Float>) {
        let blocks = n / 8 * 8, step = keep ? inner * n : 0
        for t in 0..<length {
            let row = t
            let bValues = bc + row * bcStride + offsetB, cValues = bValues + n
            for i in 0..<inner {
                let delta = delta[row * inner + i], input = u[row * inner + i]
                let here = states + t * step + i * n, before = here - step
                let a = keep ? decayed + t * step + i * n : decayed, rates = decay + i * n
                var lanes = SIMD8<Float>(), total: Float = 0
                let deltaVector = SIMD8<Float>(repeating: delta), inputVector = SIMD8<Float>(repeating: input)
                var s = 0
                while s < blocks {
                    let previous = t > 0 ? load8(before + s) : SIMD8<Float>()
                    let decayed = exponential(deltaVector * load8(rates + s))
                    store8(decayed, a + s)
                    let value = decayed * previous + deltaVector * load8(bValues + s) * inputVector
                    store8(value, here + s)
                    lanes += load8(cValues + s) * value
                    s += 8
                }
                while s < n {
                    let previous = t > 0 ? before[s] : 0
                    a[s] = exponential(delta * rates[s])
                    let value = a[s] * previous + delta * bValues[s] * input
                    here[s] = value
                    total += cValues[s] * value
                    s += 1
                }
                if let y { y[row * inner + i] = (lanes.sum() + total) + skip[i] * input }
            }
        }
    }

    /// The reverse-time scan over the kept states h and Ā (length, inner, N) of a sequence: `carried` (inner, N) is
    /// scratch for ∂L/∂h from later positions. Adds ∂L/∂u to `du`, ∂L/∂B and ∂L/∂C into `dbc` (rows, bcStride), ∂L/∂A
    /// (inner, N) into `dA` and ∂L/∂D (inner) into `dD`; writes ∂L/∂(Δ before softplus) = (∂L/∂Δ)·σ to `ddt`, with
    /// `slope` the σ values. Per position the channels run in order.
    public static func backward(length: Int, inner: Int, n: Int, bcStride: Int, offsetB: Int,
                                u: UnsafePointer<Float>, bc: UnsafePointer<Float>, deltas: UnsafePointer<Float>,
                                slopes dt: UnsafePointer<Float>, dy: UnsafePointer<Float>, decay: UnsafePointer<Float>,
                                skip: UnsafePointer<Float>, h: UnsafePointer<Float>, ab: UnsafePointer<Float>,
                                carried: UnsafeMutablePointer<Float>, du: UnsafeMutablePointer<Float>,
                                dbc: UnsafeMutablePointer<Float>, ddt: UnsafeMutablePointer<Float>,
                                dA: UnsafeMutablePointer<Float>, dD: UnsafeMutablePointer<Float>) {
        let blocks = n / 8 * 8
        carried.initialize(repeating: 0, count: inner * n)
        for t in stride(from: length - 1, through: 0, by: -1) {
            let row = t
            let bValues = bc + row * bcStride + offsetB, cValues = bValues + n
            let bGradient = dbc + row * bcStride + offsetB, cGradient = bGradient + n
            for i in 0..<inner {
                let slope = dt[row * inner + i], delta = deltas[row * inner + i], input = u[row * inner + i]
                let g = dy[row * inner + i]
                let here = h + (t * inner + i) * n, before = here - inner * n
                let a = ab + (t * inner + i) * n, rates = decay + i * n
                let later = carried + i * n, decayGradient = dA + i * n
                dD[i] += g * input
                // Σ_s ∂L/∂Ā·Ā·A feeds ∂L/∂Δ; Σ_s ∂L/∂h·B feeds ∂L/∂Δ (× u) and ∂L/∂u (× Δ).
                var decayLanes = SIMD8<Float>(), couplingLanes = SIMD8<Float>()
                var decayTail: Float = 0, couplingTail: Float = 0
                let gv = SIMD8<Float>(repeating: g), deltaV = SIMD8<Float>(repeating: delta)
                let deltaInput = delta * input, deltaInputV = SIMD8<Float>(repeating: deltaInput)
                var s = 0
                while s < blocks {
                    let c = load8(cValues + s), bValue = load8(bValues + s), value = load8(here + s)
                    store8(load8(cGradient + s) + gv * value, cGradient + s)               // ∂L/∂C_t
                    let dh = load8(later + s) + gv * c                                      // ∂L/∂h_t
                    let previous = t > 0 ? load8(before + s) : SIMD8<Float>()
                    let decayed = load8(a + s)
                    let q = dh * previous * decayed                                         // ∂L/∂Ā_t · Ā_t
                    decayLanes += q * load8(rates + s)
                    store8(load8(decayGradient + s) + q * deltaV, decayGradient + s)        // ∂L/∂A
                    store8(load8(bGradient + s) + dh * deltaInputV, bGradient + s)          // ∂L/∂B_t
                    couplingLanes += dh * bValue
                    store8(dh * decayed, later + s)                                         // ∂L/∂h_{t−1}
                    s += 8
                }
                while s < n {
                    let c = cValues[s], bValue = bValues[s], value = here[s]
                    cGradient[s] += g * value
                    let dh = later[s] + g * c
                    let previous = t > 0 ? before[s] : 0
                    let decayed = a[s]
                    let q = dh * previous * decayed
                    decayTail += q * rates[s]
                    decayGradient[s] += q * delta
                    bGradient[s] += dh * deltaInput
                    couplingTail += dh * bValue
                    later[s] = dh * decayed
                    s += 1
                }
                let coupling = couplingLanes.sum() + couplingTail
                du[row * inner + i] += g * skip[i] + coupling * delta
                ddt[row * inner + i] = (decayLanes.sum() + decayTail + coupling * input) * slope
            }
        }
    }

    /// e^x for eight lanes: Cephes' expf (range reduction by ln 2 in two parts, a degree-6 polynomial, 2^n built in
    /// the exponent bits), within 1 ulp of libm's expf on [−87.3, 88.4]; 0 below (where expf is subnormal or 0),
    /// +∞ above. Rounding uses the 1.5·2²³ trick, so it needs no SSE4.1 and stays in vector registers.
    @inlinable @inline(__always) public static func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = x .< -87.33654, high = x .> 88.37626
        var clamped = x                                                    // (SIMD's clamped(…) is not inlined)
        clamped.replace(with: -87.33654, where: low)
        clamped.replace(with: 88.37626, where: high)
        let magic = SIMD8<Float>(repeating: 12_582_912)                    // 1.5 · 2²³
        let shifted = clamped * 1.442_695_04 + magic                      // n = round(x / ln 2) in the low bits
        let n = shifted - magic
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4           // x − n·ln 2
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let bits = (unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
        result.replace(with: 0, where: low)
        result.replace(with: .infinity, where: high)
        return result
    }

    /// One lane of `exponential(_:)` (the same value a lane gives), for state sizes that are not a multiple of 8.
    @inline(__always) static func exponential(_ x: Float) -> Float { exponential(SIMD8(repeating: x))[0] }
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
