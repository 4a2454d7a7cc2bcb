import EffKernels
import XCTest

/// `GGMLMatrix.multiply` (eff's kernels, every instruction-set level this machine runs) against
/// `referenceMultiply` (dequantized rows times f32 activations, summed in f64), for every runnable type.
///
/// Error budgets, per output element y_r = Σ_c w_rc·x_c:
/// - Int8-activation types (Q8_0, Q4_0, Q4_1): the kernels quantize x per block b of 32 to codes
///   q = round(x / s_b) with s_b = max|x_b| / 127, so each activation is off by at most s_b / 2 and
///   |Δy_r| ≤ Σ_b (s_b / 2)·Σ_{c∈b} |w_rc|. The budget is that bound exactly (it is attained only when every
///   rounding error has the sign of its weight), plus the float slack below.
/// - Float slack (all types): products and sums in f32 over n = columns terms err by at most about n·u·Σ|w·x|
///   with u = 2⁻²⁴ (the standard γₙ bound); the AVX2 kernels sum in 8 lanes, so the slack is much smaller in
///   practice. Budget: `floatSlack`·Σ_c |w_rc·x_c| with floatSlack = columns·2⁻²⁴ (≈ 1.5e-5 for 256 columns).
final class GGMLKernelTests: XCTestCase {
    static let rows = 37           // not a multiple of the kernels' 16-row chunks
    static let columns = 256       // 8 blocks of 32
    static let batch = 6           // one group of four vectors (the four-vector kernels) and two taken alone
    static let floatSlack = Double(columns) * 0x1p-24
    /// Slack on the int8-activation bound for the scale computed as max/127 in f32 (one rounding) and the
    /// f32 multiplications by it: relative, a few units of f32 rounding.
    static let int8BoundSlack = 1 + 1e-5

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
        mutating func normal() -> Float {
            let u = max(uniform(), 1e-7), v = uniform()
            return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * v)
        }
        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    }

    static func half(_ value: Float) -> UInt16 { Float16(value).bitPattern }
    static func brain(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)  // round to nearest even
    }

    /// Random bytes of a `rows × columns` matrix of `type` with sane scales.
    static func randomMatrix(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(state: seed)
        var bytes: [UInt8] = []
        func appendHalf(_ bits: UInt16) { bytes.append(UInt8(bits & 0xFF)); bytes.append(UInt8(bits >> 8)) }
        for _ in 0..<rows {
            switch type {
            case .f32:
                for _ in 0..<columns { withUnsafeBytes(of: (rng.normal() * 0.05).bitPattern.littleEndian) { bytes += $0 } }
            case .f16:
                for _ in 0..<columns { appendHalf(half(rng.normal() * 0.05)) }
            case .bf16:
                for _ in 0..<columns { appendHalf(brain(rng.normal() * 0.05)) }
            case .q8_0:
                for _ in 0..<(columns / 32) {
                    appendHalf(half(0.0005 + 0.001 * rng.uniform()))
                    for _ in 0..<32 { bytes.append(rng.byte()) }
                    // -128 is not a Q8_0 code ggml writes; keep codes in -127…127
                    for j in (bytes.count - 32)..<bytes.count where bytes[j] == 0x80 { bytes[j] = 0x81 }
                }
            case .q4_0:
                for _ in 0..<(columns / 32) {
                    appendHalf(half(0.002 + 0.01 * rng.uniform()))
                    for _ in 0..<16 { bytes.append(rng.byte()) }
                }
            case .q4_1:
                for _ in 0..<(columns / 32) {
                    appendHalf(half(0.002 + 0.01 * rng.uniform()))
                    appendHalf(half(-0.08 + 0.02 * rng.normal()))
                    for _ in 0..<16 { bytes.append(rng.byte()) }
                }
            default:
                preconditionFailure("not runnable")
            }
        }
        return bytes
    }

    /// Activations: normal, one block with an outlier (a coarse scale), one all-zero block (scale 0).
    static func randomActivations(seed: UInt64) -> [Float] {
        var rng = SplitMix(state: seed)
        var x = (0..<(batch * columns)).map { _ in rng.normal() }
        x[40] = 25                                   // block 1 of item 0: scale ≈ 0.2
        for c in 96..<128 { x[columns + c] = 0 }     // block 3 of item 1: all zero
        return x
    }

    func testMultiplyMatchesReferenceOnEveryLevel() throws {
        let runnable = GGMLType.allCases.filter { $0.traits.isRunnable }
        XCTAssertEqual(Set(runnable.map(\.name)), ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1"])
        let levels = InstructionSet.available
        XCTAssertTrue(levels.contains(.generic))
        let (rows, columns, batch) = (Self.rows, Self.columns, Self.batch)
        let x = Self.randomActivations(seed: 7)
        for (index, type) in runnable.enumerated() {
            let bytes = Self.randomMatrix(type, rows: rows, columns: columns, seed: 100 + UInt64(index))
            let storage = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
            defer { storage.deallocate() }
            bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            let matrix = try GGMLMatrix(type: type, data: storage, rows: rows, columns: columns)
            XCTAssertEqual(matrix.byteCount, bytes.count, type.name)

            var reference = [Float](repeating: 0, count: batch * rows)
            x.withUnsafeBufferPointer { xs in
                reference.withUnsafeMutableBufferPointer { matrix.referenceMultiply(xs.baseAddress!, batch: batch, into: $0.baseAddress!) }
            }
            // Per-element budgets from the dequantized weights.
            var weights = [Float](repeating: 0, count: rows * columns)
            weights.withUnsafeMutableBufferPointer { w in
                for r in 0..<rows { matrix.dequantizeRow(r, into: w.baseAddress! + r * columns) }
            }
            var budget = [Double](repeating: 0, count: batch * rows)
            for item in 0..<batch {
                let xi = Array(x[(item * columns)..<((item + 1) * columns)])
                for r in 0..<rows {
                    var magnitude = 0.0, int8Bound = 0.0
                    for b in 0..<(columns / 32) {
                        var largest: Float = 0, weightSum = 0.0
                        for c in (b * 32)..<(b * 32 + 32) {
                            largest = max(largest, abs(xi[c]))
                            weightSum += Double(abs(weights[r * columns + c]))
                            magnitude += Double(abs(weights[r * columns + c] * xi[c]))
                        }
                        int8Bound += Double(largest) / 127 / 2 * weightSum
                    }
                    budget[item * rows + r] = (type.usesInt8Activations ? int8Bound * Self.int8BoundSlack : 0)
                        + Self.floatSlack * magnitude + 1e-30
                }
            }
            for level in levels {
                var y = [Float](repeating: .nan, count: batch * rows)
                try x.withUnsafeBufferPointer { xs in
                    try y.withUnsafeMutableBufferPointer { try matrix.multiply(xs.baseAddress!, batch: batch, into: $0.baseAddress!, level: level) }
                }
                var worst = 0.0, worstRatio = 0.0
                for i in 0..<(batch * rows) {
                    let error = abs(Double(y[i]) - Double(reference[i]))
                    worst = max(worst, error)
                    worstRatio = max(worstRatio, error / budget[i])
                    if !(error <= budget[i]) {
                        XCTFail("\(type.name) at \(level): y[\(i / rows), \(i % rows)] = \(y[i]), reference \(reference[i]), error \(error) > budget \(budget[i])")
                        break
                    }
                }
                print("GGMLKernelTests: \(type.name) \(level): max |error| \(worst), at most \(String(format: "%.3f", worstRatio)) of the budget")
            }
        }
    }

    /// Matrices sharing an input, multiplied in one hand-off (activations quantized once, rows of all the matrices
    /// split across threads at whole strides), give exactly what each gives alone.
    func testAGroupOfMatricesEqualsEachAlone() throws {
        let columns = Self.columns, batch = Self.batch
        let x = Self.randomActivations(seed: 11)
        let shapes: [(GGMLType, Int)] = [(.q4_1, 37), (.q8_0, 20), (.f16, 5), (.q4_0, 64)]
        var storages: [UnsafeMutableRawPointer] = []
        defer { for s in storages { s.deallocate() } }
        let matrices = try shapes.enumerated().map { index, shape -> GGMLMatrix in
            let bytes = Self.randomMatrix(shape.0, rows: shape.1, columns: columns, seed: 500 + UInt64(index))
            let storage = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
            storages.append(storage)
            bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return try GGMLMatrix(type: shape.0, data: storage, rows: shape.1, columns: columns)
        }
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        for threads in [1, 2, 3] {
            KernelThreads.count = threads
            var alone = matrices.map { [Float](repeating: .nan, count: batch * $0.rows) }
            var together = alone
            try x.withUnsafeBufferPointer { xs in
                for i in matrices.indices {
                    try alone[i].withUnsafeMutableBufferPointer { try matrices[i].multiply(xs.baseAddress!, batch: batch, into: $0.baseAddress!) }
                }
                let outputs = together.indices.map { i in together[i].withUnsafeMutableBufferPointer { $0.baseAddress! } }
                try GGMLMatrix.multiply(Array(zip(matrices, outputs)).map { (matrix: $0.0, output: $0.1) }, xs.baseAddress!, batch: batch)
            }
            for i in matrices.indices {
                XCTAssertEqual(together[i], alone[i], "\(matrices[i].type.name) with \(threads) threads")
            }
        }
        XCTAssertThrowsError(try GGMLMatrix.multiply([(matrix: matrices[0], output: UnsafeMutablePointer<Float>.allocate(capacity: 1)),
                                                      (matrix: try GGMLMatrix(type: .f32, data: storages[0], rows: 1, columns: 32),
                                                       output: UnsafeMutablePointer<Float>.allocate(capacity: 1))],
                                                     UnsafePointer<Float>(bitPattern: 64)!, batch: 1))
    }
}
