import EffKernels
import Foundation

/// Causal multi-head self-attention with rotary position embedding, in one of three patterns:
/// - dense: position i attends to every j ≤ i;
/// - sliding window `window: w` (Mistral, Longformer's local attention): j in (i − w, i];
/// - block-sparse `block: b`, the "fixed" pattern of Child et al. 2019 (Sparse Transformers, arXiv:1904.10509):
///   j ≤ i in i's own block of b positions, or j a block's last position (b − 1 mod b, its "summary" column).
///
/// q, k, v = x·W_qkvᵀ split in three; RoPE on q and k as llama.cpp's normal mode (pairs 2i, 2i+1), so a trained
/// dense model is a Llama model GGUF readers run unchanged; out = softmax(q·kᵀ/√d_head + mask)·v, then ·W_oᵀ.
public struct AttentionMixer: SequenceMixer, Equatable {
    public enum Pattern: Sendable, Equatable {
        case dense
        case window(Int)
        case block(Int)

        /// Whether query position i may attend to key position j (j ≤ i is checked by the caller).
        @inline(__always) func allows(query i: Int, key j: Int) -> Bool {
            switch self {
            case .dense: return true
            case .window(let w): return i - j < w
            case .block(let b): return j / b == i / b || j % b == b - 1
            }
        }

        /// Keys a query at position i attends to.
        func keyCount(query i: Int) -> Int {
            switch self {
            case .dense: return i + 1
            case .window(let w): return min(i + 1, w)
            case .block(let b): return i % b + 1 + i / b   // own block so far + one summary per earlier block
            }
        }
    }

    public let width: Int
    public let heads: Int
    public let pattern: Pattern
    /// RoPE base θ.
    public let base: Float
    /// (3·width, width): rows 0..<width are W_q, then W_k, then W_v.
    var qkv: LinearMap
    /// (width, width)
    var out: LinearMap

    public static let kind = BlockKind(
        name: "attention",
        fields: [.init("heads", help: "attention heads; must divide the width into even head sizes"),
                 .init("window", default: .name("none"), help: "sliding window: attend to the last N positions only"),
                 .init("block", default: .name("none"), help: "block-sparse: own block of N positions + each block's last"),
                 .init("base", default: .number(10000), help: "RoPE base θ")],
        help: "Causal multi-head self-attention with RoPE: dense, sliding-window or block-sparse (Child et al. 2019).",
        example: "block attention(heads: 4, window: 64)",
        make: { arguments, width, random in
            let heads = try arguments.integer("heads", in: 1...4096)
            let window = try arguments.optionalInteger("window", in: 1...(1 << 24))
            let block = try arguments.optionalInteger("block", in: 1...(1 << 24))
            let base = try arguments.number("base", in: 1..<1e9)
            if window != nil && block != nil {
                throw ModelsError(.model, "attention takes 'window' or 'block', not both")
            }
            let pattern: Pattern = window.map { .window($0) } ?? block.map { .block($0) } ?? .dense
            return try AttentionMixer(width: width, heads: heads, pattern: pattern, base: Float(base), random: &random)
        })

    public init(width: Int, heads: Int, pattern: Pattern = .dense, base: Float = 10000, random: inout RandomGenerator) throws {
        guard heads > 0, width % heads == 0 else {
            throw ModelsError(.model, "attention: \(heads) heads do not divide the width \(width)")
        }
        guard (width / heads) % 2 == 0 else {
            throw ModelsError(.model, "attention: head size \(width / heads) (width \(width) / \(heads) heads) must be even for RoPE")
        }
        self.width = width
        self.heads = heads
        self.pattern = pattern
        self.base = base
        qkv = LinearMap(inputs: width, outputs: 3 * width, random: &random)
        // Residual-branch output scaled down (GPT-2's 1/√(2·layers) idea, fixed here): keeps early training stable.
        out = LinearMap(inputs: width, outputs: width, random: &random, scale: 0.5 / Float(width).squareRoot())
    }

    public var headSize: Int { width / heads }

    public var description: String {
        switch pattern {
        case .dense: return "attention \(heads) heads"
        case .window(let w): return "attention \(heads) heads, window \(w)"
        case .block(let b): return "attention \(heads) heads, block-sparse \(b)"
        }
    }

    public var spec: LayerSpec {
        var arguments: [String: LayerArgument] = ["heads": .number(Double(heads)), "base": .number(Double(base))]
        switch pattern {
        case .dense: break
        case .window(let w): arguments["window"] = .number(Double(w))
        case .block(let b): arguments["block"] = .number(Double(b))
        }
        return LayerSpec(kind: Self.kind.name, arguments: arguments)
    }

    public var parameters: [[Float]] { [qkv.weight, out.weight] }
    public var parameterShapes: [(name: String, shape: [Int])] { [("attn_qkv.weight", [3 * width, width]), ("attn_output.weight", [width, width])] }
    public var decaysParameters: [Bool] { [true, true] }
    public mutating func setParameters(_ values: [[Float]]) {
        qkv.weight = values[0]
        out.weight = values[1]
    }

    /// cos and sin of position · θ^(−2i/headSize) for every position and pair. // (length, headSize/2) each
    func rotations(length: Int) -> (cos: [Float], sin: [Float]) {
        let pairs = headSize / 2
        var cosines = [Float](repeating: 0, count: length * pairs), sines = cosines
        for i in 0..<pairs {
            let frequency = pow(Double(base), -2.0 * Double(i) / Double(headSize))
            for t in 0..<length {
                let angle = Double(t) * frequency
                cosines[t * pairs + i] = Float(cos(angle))
                sines[t * pairs + i] = Float(sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// Rotates the q and k parts of `qkv` (rows, 3·width) in place; `inverse` turns the other way (the backward
    /// of a rotation is its transpose).
    func rotate(_ values: inout [Float], shape: SequenceShape, inverse: Bool) {
        let (cosines, sines) = rotations(length: shape.length)
        let pairs = headSize / 2, stride = 3 * width
        let direction: Float = inverse ? -1 : 1
        let heads = self.heads, width = self.width, headSize = self.headSize, length = shape.length
        values.withUnsafeMutableBufferPointer { v in
            cosines.withUnsafeBufferPointer { cosines in
                sines.withUnsafeBufferPointer { sines in
                    let v = v.baseAddress!, cosines = cosines.baseAddress!, sines = sines.baseAddress!
                    // Rows split across threads (each row's values as on one thread).
                    KernelThreads.forEachChunk(total: shape.rows, granularity: 16) { rows in
                        for row in rows {
                            let t = row % length
                            for part in 0..<2 {                       // q, then k
                                for h in 0..<heads {
                                    let head = row * stride + part * width + h * headSize
                                    for i in 0..<pairs {
                                        let c = cosines[t * pairs + i], s = direction * sines[t * pairs + i]
                                        let a = v[head + 2 * i], b = v[head + 2 * i + 1]
                                        v[head + 2 * i] = a * c - b * s
                                        v[head + 2 * i + 1] = a * s + b * c
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// saved: [q, k, v after RoPE (rows, 3·width); attention probabilities (batch, heads, length, length), zero where
    /// masked; attention output before W_o (rows, width)].
    public func forward(_ input: [Float], shape: SequenceShape) throws -> (output: [Float], saved: SequenceSaved, auxiliaryLoss: Double) {
        var projected = qkv(input, rows: shape.rows)
        rotate(&projected, shape: shape, inverse: false)
        let length = shape.length, size = headSize, stride = 3 * width
        let scale = 1 / Float(size).squareRoot()
        // Every value written below: each head's scores by its GEMM and masked softmax, its output rows by copies.
        var probabilities = uninitializedFloats(shape.batch * heads * length * length)
        var attended = uninitializedFloats(shape.rows * width)
        let pattern = self.pattern, heads = self.heads, width = self.width
        projected.withUnsafeBufferPointer { qkvBuffer in
            probabilities.withUnsafeMutableBufferPointer { pBuffer in
                attended.withUnsafeMutableBufferPointer { oBuffer in
                    KernelThreads.forEachChunk(total: shape.batch * heads, granularity: 1) { range in
                        var q = [Float](repeating: 0, count: length * size), k = q, v = q, o = q
                        for pair in range {
                            let b = pair / heads, h = pair % heads
                            gatherHead(qkvBuffer, into: &q, &k, &v, sequence: b, head: h, length: length, size: size,
                                       stride: stride, width: width)
                            let p = UnsafeMutableBufferPointer(rebasing: pBuffer[(pair * length * length)..<((pair + 1) * length * length)])
                            q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in
                                gemm(qb, kb, into: p, m: length, n: length, k: size, transposeB: .transposed)
                            } }
                            maskedSoftmax(p, length: length, scale: scale, pattern: pattern)
                            o.withUnsafeMutableBufferPointer { ob in v.withUnsafeBufferPointer { vb in
                                gemm(UnsafeBufferPointer(p), vb, into: ob, m: length, n: size, k: length)
                            } }
                            o.withUnsafeBufferPointer { ob in
                                for t in 0..<length {
                                    (oBuffer.baseAddress! + (b * length + t) * width + h * size).update(from: ob.baseAddress! + t * size,
                                                                                                         count: size)
                                }
                            }
                        }
                    }
                }
            }
        }
        let output = out(attended, rows: shape.rows)
        return (output, [projected, probabilities, attended], 0)
    }

    public func backward(_ gradient: [Float], input: [Float], saved: SequenceSaved, shape: SequenceShape,
                         auxiliaryWeight: Float) throws -> (input: [Float], parameters: [[Float]]) {
        let projected = saved[0], probabilities = saved[1], attended = saved[2]
        let (attendedGradient, outGradient) = out.backward(gradient, input: attended, rows: shape.rows)
        let length = shape.length, size = headSize, stride = 3 * width
        let scale = 1 / Float(size).squareRoot()
        var projectedGradient = uninitializedFloats(shape.rows * stride)   // every q|k|v value written per head
        let heads = self.heads, width = self.width
        projected.withUnsafeBufferPointer { qkvBuffer in
            probabilities.withUnsafeBufferPointer { pBuffer in
                attendedGradient.withUnsafeBufferPointer { doBuffer in
                    projectedGradient.withUnsafeMutableBufferPointer { dBuffer in
                        KernelThreads.forEachChunk(total: shape.batch * heads, granularity: 1) { range in
                            var q = [Float](repeating: 0, count: length * size), k = q, v = q, dO = q, dQ = q, dK = q, dV = q
                            var dP = [Float](repeating: 0, count: length * length)
                            for pair in range {
                                let b = pair / heads, h = pair % heads
                                gatherHead(qkvBuffer, into: &q, &k, &v, sequence: b, head: h, length: length, size: size,
                                           stride: stride, width: width)
                                dO.withUnsafeMutableBufferPointer { d in
                                    for t in 0..<length {
                                        (d.baseAddress! + t * size).update(from: doBuffer.baseAddress! + (b * length + t) * width + h * size,
                                                                           count: size)
                                    }
                                }
                                let p = UnsafeBufferPointer(rebasing: pBuffer[(pair * length * length)..<((pair + 1) * length * length)])
                                // dP = dO·Vᵀ; dV = Pᵀ·dO
                                gemm(dO, v, into: &dP, m: length, n: length, k: size, transposeB: .transposed)
                                dO.withUnsafeBufferPointer { dOb in dV.withUnsafeMutableBufferPointer { dVb in
                                    gemm(p, dOb, into: dVb, m: length, n: size, k: length, transposeA: .transposed)
                                } }
                                // dS = P ⊙ (dP − Σ_j dP·P), then the 1/√d scale of the scores.
                                dP.withUnsafeMutableBufferPointer { d in
                                    for i in 0..<length {
                                        let dRow = d.baseAddress! + i * length, pRow = p.baseAddress! + i * length
                                        var dot: Float = 0
                                        for j in 0...i { dot += dRow[j] * pRow[j] }
                                        for j in 0...i { dRow[j] = pRow[j] * (dRow[j] - dot) * scale }
                                        for j in (i + 1)..<max(i + 1, length) { dRow[j] = 0 }
                                    }
                                }
                                // dQ = dS·K; dK = dSᵀ·Q
                                gemm(dP, k, into: &dQ, m: length, n: size, k: length)
                                gemm(dP, q, into: &dK, m: length, n: size, k: length, transposeA: .transposed)
                                dQ.withUnsafeBufferPointer { dq in dK.withUnsafeBufferPointer { dk in dV.withUnsafeBufferPointer { dv in
                                    for t in 0..<length {
                                        let row = dBuffer.baseAddress! + (b * length + t) * stride + h * size
                                        row.update(from: dq.baseAddress! + t * size, count: size)
                                        (row + width).update(from: dk.baseAddress! + t * size, count: size)
                                        (row + 2 * width).update(from: dv.baseAddress! + t * size, count: size)
                                    }
                                } } }
                            }
                        }
                    }
                }
            }
        }
        rotate(&projectedGradient, shape: shape, inverse: true)
        let (inputGradient, qkvGradient) = qkv.backward(projectedGradient, input: input, rows: shape.rows)
        return (inputGradient, [qkvGradient, outGradient])
    }

    /// Pairs (query, key) the pattern allows over one sequence of `length`.
    func allowedPairs(length: Int) -> Int { (0..<length).reduce(0) { $0 + pattern.keyCount(query: $1) } }

    public func forwardWork(shape: SequenceShape) -> Work {
        var work = qkv.work(rows: shape.rows) + out.work(rows: shape.rows)
        let pairs = UInt64(shape.batch * heads * allowedPairs(length: shape.length))
        work.add(.f32MultiplyAdd, 2 * pairs * UInt64(headSize))        // q·k and p·v
        work.add(.f32Transcendental, pairs)                            // exp
        work.add(.f32Multiply, UInt64(shape.rows * 2 * width))         // RoPE: 4 multiplies per pair of q and k values
        work.add(.f32MultiplyAdd, UInt64(shape.rows * 2 * width))
        // Over a whole sequence the products are GEMMs (q·kᵀ, p·v): each head's q, k and v are read once and the
        // allowed scores written and read back once; a query does not re-read the keys (that is decode's cost).
        work.activationBytesRead += (3 * UInt64(shape.rows * width) + pairs) * 4
        work.activationBytesWritten += (pairs + UInt64(shape.rows * width)) * 4
        return work
    }

    public func tokenWork(context: Int) -> Work {
        var work = qkv.work(rows: 1) + out.work(rows: 1)
        let keys = UInt64(heads * pattern.keyCount(query: max(context, 1) - 1))
        work.add(.f32MultiplyAdd, 2 * keys * UInt64(headSize))
        work.add(.f32Transcendental, keys)
        work.add(.f32Multiply, UInt64(2 * width))
        work.add(.f32MultiplyAdd, UInt64(2 * width))
        work.activationBytesRead += 2 * keys * UInt64(headSize) * 4   // the cached keys and values it reads (f32)
        return work
    }

    /// Keys and values kept per layer: all earlier positions (dense), the window, or a block plus summaries.
    public func cacheValues(context: Int) -> Int {
        switch pattern {
        case .dense: return 2 * width * context
        case .window(let w): return 2 * width * min(context, w)
        case .block(let b): return 2 * width * min(context, b + context / b)
        }
    }
}

/// Copies head `head` of sequence `sequence` out of (rows, 3·width) q|k|v rows into three (length, size) buffers.
@inline(__always)
private func gatherHead(_ qkv: UnsafeBufferPointer<Float>, into q: inout [Float], _ k: inout [Float], _ v: inout [Float],
                        sequence b: Int, head h: Int, length: Int, size: Int, stride: Int, width: Int) {
    q.withUnsafeMutableBufferPointer { qb in k.withUnsafeMutableBufferPointer { kb in v.withUnsafeMutableBufferPointer { vb in
        for t in 0..<length {
            let row = qkv.baseAddress! + (b * length + t) * stride + h * size
            (qb.baseAddress! + t * size).update(from: row, count: size)
            (kb.baseAddress! + t * size).update(from: row + width, count: size)
            (vb.baseAddress! + t * size).update(from: row + 2 * width, count: size)
        }
    } } }
}

/// Row-wise softmax of scale·scores over the keys the causal pattern allows; the rest become 0. // (length, length)
@inline(__always)
private func maskedSoftmax(_ scores: UnsafeMutableBufferPointer<Float>, length: Int, scale: Float, pattern: AttentionMixer.Pattern) {
    for i in 0..<length {
        let row = i * length
        // Dense and sliding-window rows allow one contiguous run of keys: softmax it 8 at a time.
        let first: Int?
        switch pattern {
        case .dense: first = 0
        case .window(let w): first = max(0, i - w + 1)
        case .block: first = nil
        }
        if let first {
            let base = scores.baseAddress! + row
            for j in 0..<first { base[j] = 0 }
            for j in (i + 1)..<max(i + 1, length) { base[j] = 0 }
            softmaxInPlace(base + first, count: i + 1 - first, scale: scale)
            continue
        }
        var largest = -Float.infinity
        for j in 0...i where pattern.allows(query: i, key: j) { largest = max(largest, scores[row + j] * scale) }
        var total: Float = 0
        for j in 0..<length {
            if j <= i && pattern.allows(query: i, key: j) {
                let e = Foundation.exp(scores[row + j] * scale - largest)
                scores[row + j] = e
                total += e
            } else {
                scores[row + j] = 0
            }
        }
        let inverse = 1 / total
        for j in 0...i { scores[row + j] *= inverse }
    }
}

extension LayerArguments {
    /// A whole number in `range`, or nil when the field is left at its default name "none".
    func optionalInteger(_ field: String, in range: ClosedRange<Int>) throws -> Int? {
        if case .name("none")? = value(field) { return nil }
        guard case .number(let number)? = value(field), number == number.rounded(), number >= Double(range.lowerBound),
              number <= Double(range.upperBound) else {
            throw ModelsError(.model, "\(kind.name) needs '\(field)', a whole number in \(range.lowerBound)…\(range.upperBound)"
                + " (leave it out for none)")
        }
        return Int(number)
    }
}
