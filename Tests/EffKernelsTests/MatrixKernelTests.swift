@testable import EffKernels
import XCTest

/// Every SIMD kernel against its scalar twin, on every instruction-set level this machine has.
final class MatrixKernelTests: XCTestCase {
    /// |kernel − twin| ≤ budget · Σ|w·x| (f32 accumulation-order rounding; generous for 4096-term sums).
    static let accumulationBudget = 2e-5
    // (5, 4500): binary sums more than 16 blocks of 256 (the 16-bit flush), int4 has an odd last block.
    static let shapes = [(1, 1), (3, 7), (5, 33), (17, 300), (64, 512), (9, 1000), (5, 4500), (0, 5), (4, 0)]

    func testMatrixVectorAndBatchMatchReference() throws {
        var random = SeededRandom(seed: 11)
        try forEachAvailableInstructionSet { level in
            for (rows, columns) in Self.shapes {
                let weights = try Tensor(shape: [rows, columns], elements: random.floats(rows * columns))
                for format in WeightFormat.allCases {
                    let matrix = try QuantizedMatrix(quantizing: weights, format: format)
                    for batch in [1, 3] {
                        let x = random.floats(batch * columns)
                        let bias = random.floats(rows)
                        var y = [Float](repeating: .nan, count: batch * rows)
                        try x.withUnsafeBufferPointer { xs in
                            try bias.withUnsafeBufferPointer { b in
                                try y.withUnsafeMutableBufferPointer { ys in
                                    try Kernels.matrixMatrix(matrix, xs, batch: batch, bias: b, into: ys)
                                }
                            }
                        }
                        let expected = try ReferenceKernels.matrixMatrix(matrix, x, batch: batch, bias: bias)
                        let dense = matrix.dequantized().elements
                        for item in 0..<batch {
                            for r in 0..<rows {
                                var magnitude = 1e-6
                                for c in 0..<columns { magnitude += Double(abs(dense[r * columns + c] * x[item * columns + c])) }
                                let index = item * rows + r
                                XCTAssertEqual(Double(y[index]), expected[index], accuracy: Self.accumulationBudget * magnitude + 1e-6,
                                               "\(level) \(format) \(rows)×\(columns) batch \(batch) row \(r)")
                            }
                        }
                    }
                }
            }
        }
    }

    func testQuantizedProductStaysNearTheExactProduct() throws {
        // End to end: the int8-activation paths stay within a few percent of the f32 product on random data.
        var random = SeededRandom(seed: 3)
        let (rows, columns) = (32, 512)
        let values = random.floats(rows * columns), x = random.floats(columns)
        let exact = try Kernels.matrixMultiply(QuantizedMatrix(quantizing: Tensor(shape: [rows, columns], elements: values), format: .f32),
                                               Tensor(shape: [columns], elements: x)).output.elements
        let norm = (exact.map { $0 * $0 }.reduce(0, +)).squareRoot()
        let budgets: [WeightFormat: Float] = [.int8PerRow: 0.02, .int8Block32: 0.02, .int4Block32: 0.15, .bf16: 0.01, .f16: 0.001]
        for (format, budget) in budgets {
            let y = try Kernels.matrixMultiply(QuantizedMatrix(quantizing: Tensor(shape: [rows, columns], elements: values), format: format),
                                               Tensor(shape: [columns], elements: x)).output.elements
            let error = (zip(y, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)).squareRoot()
            XCTAssertLessThanOrEqual(error, budget * norm, "\(format)")
        }
    }

    func testShapeMismatchThrows() throws {
        let matrix = try QuantizedMatrix(quantizing: Tensor(shape: [4, 8]), format: .int4Block32)
        XCTAssertThrowsError(try Kernels.matrixMultiply(matrix, Tensor(shape: [7])))
        XCTAssertThrowsError(try Kernels.matrixMultiply(matrix, Tensor(shape: [8]), bias: Tensor(shape: [3])))
    }

    func testThreadCountsGiveTheSameResult() throws {
        var random = SeededRandom(seed: 5)
        let matrix = try QuantizedMatrix(quantizing: Tensor(shape: [103, 200], elements: random.floats(103 * 200)), format: .ternary)
        let x = try Tensor(shape: [2, 200], elements: random.floats(400))
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        KernelThreads.count = 1
        let single = try Kernels.matrixMultiply(matrix, x).output
        KernelThreads.count = 3
        XCTAssertEqual(try Kernels.matrixMultiply(matrix, x).output, single)
    }

    func testForcingAnUnsupportedInstructionSetThrows() throws {
        defer { KernelDispatch.reset() }
        for level in InstructionSet.allCases where !InstructionSet.available.contains(level) {
            XCTAssertThrowsError(try KernelDispatch.select(level)) { error in
                XCTAssertEqual(error as? KernelError, .unsupportedInstructionSet(requested: level.rawValue,
                                                                                 available: InstructionSet.available.map(\.rawValue)))
            }
        }
        XCTAssertNoThrow(try KernelDispatch.select(.generic))
        XCTAssertEqual(try KernelDispatch.current(), .generic)
    }

    func testF32MultiplyAllTranspositions() throws {
        var random = SeededRandom(seed: 9)
        try forEachAvailableInstructionSet { level in
            for (m, n, k) in [(1, 1, 1), (7, 13, 5), (37, 70, 300), (6, 16, 8), (0, 3, 2), (3, 4, 0)] {
                for transposeA in [Transpose.none, .transposed] {
                    for transposeB in [Transpose.none, .transposed] {
                        let a = random.floats(m * k), b = random.floats(k * n)
                        let start = random.floats(m * n)
                        for accumulate in [false, true] {
                            var c = start
                            try a.withUnsafeBufferPointer { ap in
                                try b.withUnsafeBufferPointer { bp in
                                    try c.withUnsafeMutableBufferPointer { cp in
                                        try Kernels.multiply(ap, bp, into: cp, m: m, n: n, k: k, transposeA: transposeA,
                                                             transposeB: transposeB, accumulate: accumulate)
                                    }
                                }
                            }
                            let expected = ReferenceKernels.multiply(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
                            for i in 0..<(m * n) {
                                let want = expected[i] + (accumulate ? Double(start[i]) : 0)
                                XCTAssertEqual(Double(c[i]), want, accuracy: 1e-4 * Double(k) + 1e-5,
                                               "\(level) \(m)×\(n)×\(k) \(transposeA) \(transposeB) accumulate \(accumulate)")
                            }
                        }
                    }
                }
            }
        }
    }
}
