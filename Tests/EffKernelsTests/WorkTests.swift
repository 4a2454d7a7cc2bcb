@testable import EffKernels
import XCTest

/// Work counts against numbers worked out by hand from the shapes.
final class WorkTests: XCTestCase {
    func testF32MatrixVectorWork() throws {
        let matrix = try QuantizedMatrix(quantizing: Tensor(shape: [3, 5]), format: .f32)
        let (_, work) = try Kernels.matrixMultiply(matrix, Tensor(shape: [5]), bias: Tensor(shape: [3]))
        // 3 rows × 5 columns multiply-adds, 3 bias adds; weights 60 bytes, x 20 + bias 12, y 12.
        XCTAssertEqual(work, Work(operations: [.f32MultiplyAdd: 15, .f32Add: 3],
                                  weightBytesRead: 60, activationBytesRead: 32, activationBytesWritten: 12))
    }

    func testInt4BatchWork() throws {
        let matrix = try QuantizedMatrix(quantizing: Tensor(shape: [4, 40]), format: .int4Block32)
        let (_, work) = try Kernels.matrixMultiply(matrix, Tensor(shape: [2, 40]))
        // 40 columns pad to 64 = 2 blocks. Per item: 4·64 = 256 int8 MACs; per (row, block), 8 of them:
        // 2 conversions (16), 1 f32 multiply (8), 1 f32 multiply-add (8), 1 int32 multiply (8), 1 int32 add (8).
        // Activation quantization per item: 64 compares, 64 multiplies, 64 conversions, 64 int32 adds, 4 divides.
        // Two items double everything. Weights: 4 rows × 2 blocks × (16 + 2) = 144 bytes.
        let expected = Work(operations: [.int8MultiplyAdd: 512, .convert: 2 * (16 + 64), .f32Multiply: 2 * (8 + 64),
                                         .f32MultiplyAdd: 16, .int32Multiply: 16, .int32Add: 2 * (8 + 64),
                                         .f32Compare: 128, .f32Divide: 8],
                            weightBytesRead: 144, activationBytesRead: 2 * 40 * 4, activationBytesWritten: 2 * 4 * 4)
        XCTAssertEqual(work, expected)
    }

    func testTernaryAndBinaryWork() {
        // Ternary 2×300: pads to 512 = 2 blocks of 256 (activation scales per 256 too).
        let ternary = Kernels.work(format: .ternary, rows: 2, columns: 300, batch: 1, hasBias: false, weightBytes: 2 * 2 * 66)
        XCTAssertEqual(ternary[.int8MultiplyAdd], 2 * 512)
        XCTAssertEqual(ternary[.int32Add], 2 * 2 + 512)           // offset per (row, block) + activation block sums
        XCTAssertEqual(ternary[.convert], 2 * 2 * 2 + 512)        // weight scale and block sum per (row, block), codes
        XCTAssertEqual(ternary[.f32Multiply], 2 * 2 + 512)        // weight × activation scale, activation codes
        XCTAssertEqual(ternary[.f32MultiplyAdd], 2 * 2)
        XCTAssertEqual(ternary[.f32Divide], 2 * 2)                // 2 per activation block of 256
        // Binary 3×100 pads to 256, one activation scale for the vector: 3·256 bit × code products; per row 1
        // conversion, 1 FMA (2s·S − offset) and 1 multiply (row scale); per item 1 conversion and 2 multiplies (2s,
        // s·Σ codes); activation quantization 256 compares, multiplies, conversions, int32 adds and 2 divides.
        let binary = Kernels.work(format: .binary, rows: 3, columns: 100, batch: 1, hasBias: false, weightBytes: 108)
        let expected: [EffKernels.Operation: UInt64] = [.int8MultiplyAdd: 768, .convert: 260, .f32MultiplyAdd: 3,
                                             .f32Multiply: 261, .f32Compare: 256, .int32Add: 256, .f32Divide: 2]
        XCTAssertEqual(binary.operations, expected)
        // Binary 2×600 pads to 768: still one activation block (2 divides), 2·768 products.
        let wide = Kernels.work(format: .binary, rows: 2, columns: 600, batch: 1, hasBias: false, weightBytes: 2 * 100)
        XCTAssertEqual(wide[.f32Divide], 2)
        XCTAssertEqual(wide[.int8MultiplyAdd], 2 * 768)
    }

    func testGemmWork() throws {
        let a = [Float](repeating: 1, count: 6), b = [Float](repeating: 2, count: 12)
        var c = [Float](repeating: 0, count: 8)
        let work = try a.withUnsafeBufferPointer { ap in
            try b.withUnsafeBufferPointer { bp in
                try c.withUnsafeMutableBufferPointer { try Kernels.multiply(ap, bp, into: $0, m: 2, n: 4, k: 3) }
            }
        }
        XCTAssertEqual(work, Work(operations: [.f32MultiplyAdd: 24], activationBytesRead: 72, activationBytesWritten: 32))
        XCTAssertEqual(c, [Float](repeating: 6, count: 8))
    }

    func testSparseWorkCountsNonzeros() throws {
        let weights = try Tensor(shape: [2, 4], elements: [0, 1, 0, 2, 3, 0, 0, 0])
        let matrix = try QuantizedMatrix(quantizing: weights, format: .sparseCSR)
        XCTAssertEqual(matrix.storedWeightCount, 3)
        // 3 values + 3 column indices + 3 row offsets, 4 bytes each.
        XCTAssertEqual(Kernels.work(matrix, batch: 1, hasBias: false),
                       Work(operations: [.f32MultiplyAdd: 3], weightBytesRead: 36, activationBytesRead: 16, activationBytesWritten: 8))
    }
}
