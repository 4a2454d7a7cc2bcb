import EffKernels
import EffNumerics
import XCTest

/// The sequence kernels against their scalar twins (`ReferenceSequenceKernels`, f64), with named error budgets.
final class SequenceKernelTests: XCTestCase {
    /// f32 sums over ≤ 4096 products of values ~1: relative error well under 1e-5 of the largest magnitude.
    static let attentionBudget: Float = 2e-5
    /// RoPE's rotations in f32 from f64 angles: a few ulps of values ~1.
    static let ropeBudget: Float = 1e-5

    struct Random {
        var state: UInt64
        mutating func nextFloat() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
        mutating func values(_ count: Int) -> [Float] { (0..<count).map { _ in nextFloat() } }
    }

    func testRopeMatchesItsTwin() {
        var random = Random(state: 1)
        let headSize = 64, heads = 3
        for position in [0, 1, 17, 4095] {
            var x = random.values(heads * headSize)
            let expected = ReferenceSequenceKernels.rope(x, headSize: headSize, rotatedSize: headSize, position: position, base: 100_000)
            x.withUnsafeMutableBufferPointer {
                SequenceKernels.rope($0.baseAddress!, heads: heads, headSize: headSize, rotatedSize: headSize, position: position, base: 100_000)
            }
            for i in x.indices { XCTAssertEqual(x[i], expected[i], accuracy: Self.ropeBudget, "position \(position), index \(i)") }
        }
    }

    func testAttendMatchesItsTwin() {
        var random = Random(state: 2)
        let headSize = 64
        for length in [1, 5, 300] {
            let q = random.values(headSize)
            let keys = (0..<length).map { _ in random.values(headSize) }
            let values = (0..<length).map { _ in random.values(headSize) }
            let expected = ReferenceSequenceKernels.attend(query: q, keys: keys, values: values, scale: 0.125)
            var out = [Float](repeating: 0, count: headSize), scores = [Float](repeating: 0, count: length)
            let k = keys.flatMap { $0 }, v = values.flatMap { $0 }
            q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
                out.withUnsafeMutableBufferPointer { ob in scores.withUnsafeMutableBufferPointer { sb in
                    SequenceKernels.attend(query: qb.baseAddress!, keys: kb.baseAddress!, values: vb.baseAddress!, length: length,
                                           stride: headSize, headSize: headSize, scale: 0.125, scores: sb.baseAddress!, out: ob.baseAddress!)
                } }
            } } }
            for i in out.indices { XCTAssertEqual(out[i], expected[i], accuracy: Self.attentionBudget, "length \(length)") }
        }
    }

    /// The prompt path (three matrix steps) equals one `attend` per query, for a cache that already holds positions.
    func testCausalAttentionEqualsAttendPerQuery() throws {
        var random = Random(state: 3)
        // 100 queries: two tiles of `attentionTile` (64 and 36), the second over more positions than the first.
        let headSize = 64, stride = 192, start = 7, count = 100, length = start + count
        XCTAssertEqual(SequenceKernels.causalAttentionMultiplyAdds(start: start, count: count, headSize: headSize),
                       2 * (64 * (7 + 64) + 36 * (7 + 100)) * 64)
        let queries = random.values(count * stride), keys = random.values(length * stride), values = random.values(length * stride)
        var batched = [Float](repeating: 0, count: count * stride), single = batched
        var scores = [Float](repeating: 0, count: length)
        try queries.withUnsafeBufferPointer { q in try keys.withUnsafeBufferPointer { k in try values.withUnsafeBufferPointer { v in
            try batched.withUnsafeMutableBufferPointer { out in
                try SequenceKernels.causalAttention(queries: q.baseAddress!, queryStride: stride, keys: k.baseAddress!, values: v.baseAddress!,
                                                    kvStride: stride, start: start, count: count, headSize: headSize, scale: 0.125,
                                                    out: out.baseAddress!)
            }
            single.withUnsafeMutableBufferPointer { out in scores.withUnsafeMutableBufferPointer { s in
                for t in 0..<count {
                    SequenceKernels.attend(query: q.baseAddress! + t * stride, keys: k.baseAddress!, values: v.baseAddress!,
                                           length: start + t + 1, stride: stride, headSize: headSize, scale: 0.125,
                                           scores: s.baseAddress!, out: out.baseAddress! + t * stride)
                }
            } }
        } } }
        for t in 0..<count { for c in 0..<headSize {
            XCTAssertEqual(batched[t * stride + c], single[t * stride + c], accuracy: Self.attentionBudget, "query \(t), value \(c)")
        } }
    }

    /// Over an f16 cache the prompt path widens keys and values as it copies them: the same numbers as `attendHalf`
    /// query by query, within the same budget.
    func testCausalAttentionOverAHalfCacheEqualsAttendHalfPerQuery() throws {
        var random = Random(state: 5)
        let headSize = 64, stride = 192, start = 5, count = 12, length = start + count
        let queries = random.values(count * stride)
        let keys = random.values(length * stride).map { HalfPrecision.halfBits($0) }
        let values = random.values(length * stride).map { HalfPrecision.halfBits($0) }
        var batched = [Float](repeating: 0, count: count * stride), single = batched
        var scores = [Float](repeating: 0, count: length)
        try queries.withUnsafeBufferPointer { q in try keys.withUnsafeBufferPointer { k in try values.withUnsafeBufferPointer { v in
            try batched.withUnsafeMutableBufferPointer { out in
                try SequenceKernels.causalAttention(queries: q.baseAddress!, queryStride: stride, halfKeys: k.baseAddress!,
                                                    halfValues: v.baseAddress!, kvStride: stride, start: start, count: count,
                                                    headSize: headSize, scale: 0.125, out: out.baseAddress!)
            }
            single.withUnsafeMutableBufferPointer { out in scores.withUnsafeMutableBufferPointer { s in
                for t in 0..<count {
                    SequenceKernels.attendHalf(query: q.baseAddress! + t * stride, keys: k.baseAddress!, values: v.baseAddress!,
                                               length: start + t + 1, stride: stride, headSize: headSize, scale: 0.125,
                                               scores: s.baseAddress!, out: out.baseAddress! + t * stride)
                }
            } }
        } } }
        for t in 0..<count { for c in 0..<headSize {
            XCTAssertEqual(batched[t * stride + c], single[t * stride + c], accuracy: Self.attentionBudget, "query \(t), value \(c)")
        } }
    }

    /// SiLU·mul with the 8-lane polynomial exp: a few ulps of f32, relative to max(1, |value|).
    static let siluBudget: Float = 1e-5

    func testSiluMultiplyMatchesItsTwin() {
        var random = Random(state: 4)
        // Random gates in ±8, then a sweep over ±100 (past the vector exp's clamp at −87/88); an odd count for the tail.
        var gate = random.values(1000).map { $0 * 8 } + stride(from: Float(-100), through: 100, by: 0.37).map { $0 }
        gate.append(3.5)
        let up = random.values(gate.count)
        XCTAssertNotEqual(gate.count % 8, 0)
        let expected = ReferenceSequenceKernels.siluMultiply(gate, up)
        gate.withUnsafeMutableBufferPointer { g in up.withUnsafeBufferPointer { u in
            SequenceKernels.siluMultiply(g.baseAddress!, u.baseAddress!, count: g.count)
        } }
        for i in gate.indices {
            XCTAssertEqual(gate[i], expected[i], accuracy: Self.siluBudget * max(1, abs(expected[i])), "value \(i)")
        }
    }

    /// From `GGMLMatrix.gemmBatch` vectors on, `multiply` dequantizes and runs the f32 GEMM (f32 activations): it must
    /// agree with the scalar reference within f32 rounding, for every runnable type.
    func testGEMMPathMatchesTheReference() throws {
        defer { KernelDispatch.reset() }
        for level in InstructionSet.available {  // the GEMM micro-kernel of every level this CPU has, forced one by one
            try KernelDispatch.select(level)
            try checkGEMMPath(level)
        }
    }

    func checkGEMMPath(_ level: InstructionSet) throws {
        var random = Random(state: 5)
        let rows = 40, columns = 96, batch = GGMLMatrix.gemmBatch + 3
        for type in GGMLType.allCases where type.traits.isRunnable {
            let bytes = (0..<(rows * type.rowBytes(columns: columns)!)).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Keep f16/bf16/f32 values and block scales finite and small: rebuild those fields from random floats.
            var data = bytes
            Self.sanitize(&data, type: type, rows: rows, columns: columns, random: &random)
            let x = random.values(batch * columns)
            var fast = [Float](repeating: 0, count: batch * rows), reference = fast
            try data.withUnsafeBytes { raw in
                let matrix = try GGMLMatrix(type: type, data: raw.baseAddress!, rows: rows, columns: columns)
                try x.withUnsafeBufferPointer { xb in
                    try fast.withUnsafeMutableBufferPointer { try matrix.multiply(xb.baseAddress!, batch: batch, into: $0.baseAddress!) }
                    reference.withUnsafeMutableBufferPointer { matrix.referenceMultiply(xb.baseAddress!, batch: batch, into: $0.baseAddress!) }
                }
            }
            let scale = reference.map(abs).max() ?? 1
            for i in fast.indices { XCTAssertEqual(fast[i], reference[i], accuracy: 1e-5 * max(scale, 1), "\(type.name) at \(i), \(level)") }
        }
    }

    /// Writes finite random values where the type stores floats (whole values, or block scales).
    static func sanitize(_ data: inout [UInt8], type: GGMLType, rows: Int, columns: Int, random: inout Random) {
        func putHalf(_ value: Float, at offset: Int) {
            let bits = Float16(value).bitPattern
            data[offset] = UInt8(bits & 0xFF); data[offset + 1] = UInt8(bits >> 8)
        }
        switch type {
        case .f32:
            for i in 0..<(rows * columns) { withUnsafeBytes(of: random.nextFloat()) { for b in 0..<4 { data[i * 4 + b] = $0[b] } } }
        case .f16:
            for i in 0..<(rows * columns) { putHalf(random.nextFloat(), at: i * 2) }
        case .bf16:
            for i in 0..<(rows * columns) {
                let bits = random.nextFloat().bitPattern >> 16
                data[i * 2] = UInt8(bits & 0xFF); data[i * 2 + 1] = UInt8(bits >> 8)
            }
        case .q8_0, .q4_0, .q4_1:
            let size = type.traits.bytesPerBlock
            for block in 0..<(rows * columns / 32) {
                putHalf(abs(random.nextFloat()) * 0.1, at: block * size)
                if type == .q4_1 { putHalf(random.nextFloat() * 0.1, at: block * size + 2) }
            }
        default: break
        }
    }
}

extension SequenceKernelTests.Random: RandomNumberGenerator {
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}
