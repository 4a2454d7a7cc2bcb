import EffNumerics
import Foundation

/// Kernels of sequence models (decoders): rotary position embedding, attention of one query over a cache, and the
/// gated activation of SwiGLU feed-forward layers. Free functions over raw buffers with explicit sizes; each has a
/// scalar twin in `ReferenceSequenceKernels` and a test within a named error budget.
public enum SequenceKernels {
    /// Rotary position embedding as llama.cpp's "normal" mode applies it (GGUF Llama weights are permuted for it):
    /// in each head of `headSize` values, pairs (x[2i], x[2i+1]) for 2i < `rotatedSize` turn by
    /// position · base^(−2i/rotatedSize). // x: (heads, headSize)
    public static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headSize: Int, rotatedSize: Int,
                            position: Int, base: Float) {
        let pairs = rotatedSize / 2
        // cos/sin once per pair, shared by all heads; angles in f64 so long contexts keep their precision.
        var cosines = [Float](repeating: 0, count: pairs), sines = [Float](repeating: 0, count: pairs)
        let step = pow(Double(base), -2.0 / Double(rotatedSize))
        var frequency = 1.0
        for i in 0..<pairs {
            let angle = Double(position) * frequency
            cosines[i] = Float(cos(angle)); sines[i] = Float(sin(angle))
            frequency *= step
        }
        for h in 0..<heads {
            let head = x + h * headSize
            for i in 0..<pairs {
                let a = head[2 * i], b = head[2 * i + 1]
                head[2 * i] = a * cosines[i] - b * sines[i]
                head[2 * i + 1] = a * sines[i] + b * cosines[i]
            }
        }
    }

    /// out = softmax(q·Kᵀ·scale) · V for one query head over `length` cached positions.
    /// q: (headSize); keys, values: (length, stride) with this head's vector at offset 0 of each row;
    /// scores: scratch of `length`; out: (headSize).
    public static func attend(query q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                              length: Int, stride: Int, headSize: Int, scale: Float,
                              scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        var largest = -Float.infinity
        for t in 0..<length {
            let k = keys + t * stride
            var acc = SIMD8<Float>()
            var c = 0
            while c + 8 <= headSize {
                acc += UnsafeRawPointer(q + c).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(k + c).loadUnaligned(as: SIMD8<Float>.self)
                c += 8
            }
            var dot = acc.sum()
            while c < headSize { dot += q[c] * k[c]; c += 1 }
            let score = dot * scale
            scores[t] = score
            largest = max(largest, score)
        }
        let total = exponentiate(scores, count: length, minus: largest)
        let inverse = 1 / total
        out.initialize(repeating: 0, count: headSize)
        for t in 0..<length {
            let weight = scores[t] * inverse
            let v = values + t * stride
            var c = 0
            while c + 8 <= headSize {
                let o = UnsafeMutableRawPointer(out + c)
                o.storeBytes(of: o.loadUnaligned(as: SIMD8<Float>.self) + weight * UnsafeRawPointer(v + c).loadUnaligned(as: SIMD8<Float>.self),
                             as: SIMD8<Float>.self)
                c += 8
            }
            while c < headSize { out[c] += weight * v[c]; c += 1 }
        }
    }

    /// `attend` over keys and values stored as IEEE half bits (an f16 KV cache: half the bytes per position,
    /// values rounded to 11 significant bits). Same shapes as `attend`, in UInt16 elements.
    public static func attendHalf(query q: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                                  length: Int, stride: Int, headSize: Int, scale: Float,
                                  scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
        var largest = -Float.infinity
        for t in 0..<length {
            let k = keys + t * stride
            var dot: Float = 0
            for c in 0..<headSize { dot += q[c] * HalfPrecision.float(fromHalf: k[c]) }
            scores[t] = dot * scale
            largest = max(largest, scores[t])
        }
        let total = exponentiate(scores, count: length, minus: largest)
        let inverse = 1 / total
        out.initialize(repeating: 0, count: headSize)
        for t in 0..<length {
            let weight = scores[t] * inverse
            let v = values + t * stride
            for c in 0..<headSize { out[c] += weight * HalfPrecision.float(fromHalf: v[c]) }
        }
    }

    /// f32 → IEEE half bits, round to nearest even (for writing an f16 KV cache). // source, out: (count)
    public static func toHalf(_ source: UnsafePointer<Float>, count: Int, out: UnsafeMutablePointer<UInt16>) {
        for i in 0..<count { out[i] = HalfPrecision.halfBits(source[i]) }
    }

    /// Causal attention of `count` consecutive queries of one head (positions start…start+count−1) over `start + count`
    /// cached positions, as three matrix steps so a prompt runs at GEMM speed: S = Q·Kᵀ·scale, a softmax over each
    /// row's first start+t+1 entries (later positions masked), O = P·V. Same result as `attend` per query.
    /// queries: (count, queryStride) with this head at offset 0; keys, values: (start+count, kvStride), head at 0;
    /// out: (count, queryStride), head at 0.
    public static func causalAttention(queries: UnsafePointer<Float>, queryStride: Int, keys: UnsafePointer<Float>,
                                       values: UnsafePointer<Float>, kvStride: Int, start: Int, count: Int,
                                       headSize: Int, scale: Float, out: UnsafeMutablePointer<Float>) throws {
        let length = start + count
        // Contiguous copies of this head's slices. // k, v: (length, d)
        var k = [Float](repeating: 0, count: length * headSize), v = k
        for p in 0..<length {
            for c in 0..<headSize { k[p * headSize + c] = keys[p * kvStride + c]; v[p * headSize + c] = values[p * kvStride + c] }
        }
        try causalAttention(queries: queries, queryStride: queryStride, contiguousKeys: k, contiguousValues: v, start: start,
                            count: count, headSize: headSize, scale: scale, out: out)
    }

    /// `causalAttention` over an f16 cache (IEEE half bits): keys and values are widened to f32 as they are copied,
    /// so a prompt over an f16 cache runs at GEMM speed too. keys, values: (start+count, kvStride) f16 bits.
    public static func causalAttention(queries: UnsafePointer<Float>, queryStride: Int, halfKeys keys: UnsafePointer<UInt16>,
                                       halfValues values: UnsafePointer<UInt16>, kvStride: Int, start: Int, count: Int,
                                       headSize: Int, scale: Float, out: UnsafeMutablePointer<Float>) throws {
        let length = start + count
        var k = [Float](repeating: 0, count: length * headSize), v = k  // (length, d)
        for p in 0..<length {
            for c in 0..<headSize {
                k[p * headSize + c] = HalfPrecision.float(fromHalf: keys[p * kvStride + c])
                v[p * headSize + c] = HalfPrecision.float(fromHalf: values[p * kvStride + c])
            }
        }
        try causalAttention(queries: queries, queryStride: queryStride, contiguousKeys: k, contiguousValues: v, start: start,
                            count: count, headSize: headSize, scale: scale, out: out)
    }

    /// The three matrix steps over contiguous keys and values. k, v: (start+count, headSize).
    private static func causalAttention(queries: UnsafePointer<Float>, queryStride: Int, contiguousKeys k: [Float],
                                        contiguousValues v: [Float], start: Int, count: Int, headSize: Int, scale: Float,
                                        out: UnsafeMutablePointer<Float>) throws {
        // Tiles of `attentionTile` queries: a tile's scores span only the positions its last query sees, so the
        // masked triangle beyond it is never computed and the scores take tile × length floats, not count × length.
        let tile = min(attentionTile, count)
        var q = [Float](repeating: 0, count: tile * headSize)              // (rows, d), scaled
        var scores = [Float](repeating: 0, count: tile * (start + count))  // (rows, visible)
        var result = [Float](repeating: 0, count: tile * headSize)         // (rows, d)
        try k.withUnsafeBufferPointer { kb in
            try v.withUnsafeBufferPointer { vb in
                var t0 = 0
                while t0 < count {
                    let rows = min(tile, count - t0)
                    let visible = start + t0 + rows  // positions the tile's last query sees
                    for t in 0..<rows {
                        for c in 0..<headSize { q[t * headSize + c] = queries[(t0 + t) * queryStride + c] * scale }
                    }
                    try q.withUnsafeBufferPointer { qb in
                        try scores.withUnsafeMutableBufferPointer { sb in
                            _ = try Kernels.multiply(UnsafeBufferPointer(rebasing: qb[0..<(rows * headSize)]),
                                                     UnsafeBufferPointer(rebasing: kb[0..<(visible * headSize)]),
                                                     into: UnsafeMutableBufferPointer(rebasing: sb[0..<(rows * visible)]),
                                                     m: rows, n: visible, k: headSize, transposeB: .transposed)
                        }
                    }
                    for t in 0..<rows {
                        let seen = start + t0 + t + 1
                        let row = t * visible
                        var largest = -Float.infinity
                        for p in 0..<seen { largest = max(largest, scores[row + p]) }
                        let total = scores.withUnsafeMutableBufferPointer { exponentiate($0.baseAddress! + row, count: seen, minus: largest) }
                        let inverse = 1 / total
                        for p in 0..<seen { scores[row + p] *= inverse }
                        for p in seen..<visible { scores[row + p] = 0 }
                    }
                    try scores.withUnsafeBufferPointer { sb in
                        try result.withUnsafeMutableBufferPointer { rb in
                            _ = try Kernels.multiply(UnsafeBufferPointer(rebasing: sb[0..<(rows * visible)]),
                                                     UnsafeBufferPointer(rebasing: vb[0..<(visible * headSize)]),
                                                     into: UnsafeMutableBufferPointer(rebasing: rb[0..<(rows * headSize)]),
                                                     m: rows, n: headSize, k: visible)
                        }
                    }
                    for t in 0..<rows { for c in 0..<headSize { out[(t0 + t) * queryStride + c] = result[t * headSize + c] } }
                    t0 += rows
                }
            }
        }
    }

    /// Queries per tile of `causalAttention`.
    public static let attentionTile = 64

    /// Multiply-adds of `causalAttention` for one head: per tile, two GEMMs over rows × (positions its last query
    /// sees) × headSize (the masked entries inside a tile included, as the kernel computes them).
    public static func causalAttentionMultiplyAdds(start: Int, count: Int, headSize: Int) -> Int {
        var total = 0, t0 = 0
        let tile = min(attentionTile, max(count, 1))
        while t0 < count {
            let rows = min(tile, count - t0)
            total += 2 * rows * (start + t0 + rows) * headSize
            t0 += rows
        }
        return total
    }

    /// gate[i] = silu(gate[i]) · up[i] (SwiGLU), in place over `count` values: 8 at a time with `exp8`, the rest with
    /// libm's exp.
    public static func siluMultiply(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i &+ 8 <= count {
            let g = UnsafeRawPointer(gate + i).loadUnaligned(as: SIMD8<Float>.self)
            let u = UnsafeRawPointer(up + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(gate + i).storeBytes(of: g / (1 + exp8(-g)) * u, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < count {
            let g = gate[i]
            gate[i] = g / (1 + exp(-g)) * up[i]
            i &+= 1
        }
    }

    /// scores[i] = e^(scores[i] − largest) for i < count, returning their sum: the numerators of a softmax, 8 at a
    /// time with `exp8`, the rest with libm's exp.
    static func exponentiate(_ scores: UnsafeMutablePointer<Float>, count: Int, minus largest: Float) -> Float {
        var sums = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= count {
            let e = exp8(UnsafeRawPointer(scores + i).loadUnaligned(as: SIMD8<Float>.self) - largest)
            UnsafeMutableRawPointer(scores + i).storeBytes(of: e, as: SIMD8<Float>.self)
            sums += e
            i &+= 8
        }
        var total = sums.sum()
        while i < count {
            let e = exp(scores[i] - largest)
            scores[i] = e
            total += e
            i &+= 1
        }
        return total
    }

    /// e^x for 8 lanes (Cephes expf: x = n·ln 2 + r, |r| ≤ ln 2 / 2, degree-6 polynomial, 2^n built in the exponent
    /// bits): within 1e−6 relative of libm's exp on [−87, 88] (SiLU twin test); inputs are clamped there
    /// (e^−87 ≈ 1.6e−38, e^88 ≈ 1.7e38). Only adds, multiplies and bit casts, so the portable SIMD types stay vector code
    /// (round-to-nearest by the 1.5·2^23 trick instead of `rounded()`, which needs SSE4.1).
    @inline(__always)
    public static func exp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
        var x = input  // clamped with compare + select (`clamped(lowerBound:upperBound:)` compiles to per-lane calls)
        x.replace(with: -87, where: x .< -87)
        x.replace(with: 88, where: x .> 88)
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5·2^23: adding it rounds to an integer in the low bits
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x − n·ln 2 with ln 2 in two parts (0.693359375 is exact in few bits).
        let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        // 2^n: n + 127 into the exponent field (n ∈ [−126, 127] after the clamp).
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// RMS normalization of `rows` rows of `width`: x / √(mean(x²) + ε) · gain, the sum of squares in f64 as ggml does.
    /// x: (rows, width) read; out: (rows, width) written (may be x); gain: (width).
    public static func rmsNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, gain: UnsafePointer<Float>, epsilon: Float,
                               out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, result = out + r * width
            var squares: Double = 0
            for c in 0..<width { squares += Double(row[c]) * Double(row[c]) }
            let inverse = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
            for c in 0..<width { result[c] = row[c] * inverse * gain[c] }
        }
    }
}

/// Scalar twins of `SequenceKernels`, written for clarity and summed in f64: the references their tests compare with.
public enum ReferenceSequenceKernels {
    public static func attend(query q: [Float], keys: [[Float]], values: [[Float]], scale: Float) -> [Float] {
        let scores = keys.map { k in Double(scale) * zip(q, k).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
        let largest = scores.max() ?? 0
        let weights = scores.map { Foundation.exp($0 - largest) }
        let total = weights.reduce(0, +)
        var out = [Double](repeating: 0, count: q.count)
        for (w, v) in zip(weights, values) { for c in out.indices { out[c] += w / total * Double(v[c]) } }
        return out.map { Float($0) }
    }

    public static func rope(_ x: [Float], headSize: Int, rotatedSize: Int, position: Int, base: Double) -> [Float] {
        var out = x
        for h in 0..<(x.count / headSize) {
            for i in 0..<(rotatedSize / 2) {
                let angle = Double(position) * Foundation.pow(base, -Double(2 * i) / Double(rotatedSize))
                let a = Double(x[h * headSize + 2 * i]), b = Double(x[h * headSize + 2 * i + 1])
                out[h * headSize + 2 * i] = Float(a * Foundation.cos(angle) - b * Foundation.sin(angle))
                out[h * headSize + 2 * i + 1] = Float(a * Foundation.sin(angle) + b * Foundation.cos(angle))
            }
        }
        return out
    }

    public static func siluMultiply(_ gate: [Float], _ up: [Float]) -> [Float] {
        zip(gate, up).map { g, u in Float(Double(g) / (1 + Foundation.exp(-Double(g))) * Double(u)) }
    }
}
