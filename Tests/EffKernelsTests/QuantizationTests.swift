@testable import EffKernels
import EffNumerics
import XCTest

/// Round trips f32 → format → f32 within named error budgets.
final class QuantizationTests: XCTestCase {
    /// Largest |w − ŵ| / max|w| allowed per format, or RMS(w − ŵ) / RMS(w) for the lossy low-bit ones.
    /// Budgets for uniform [−1, 1) weights: half a step of each grid (plus the f16 rounding of block scales);
    /// ternary/binary/2:4 budgets are the expected RMS error of those codes on uniform data with margin.
    static let maximumErrorBudget: [WeightFormat: Float] = [
        .f32: 0, .f16: 1.0 / 2048, .bf16: 1.0 / 256, .int8PerRow: 0.5 / 127 + 1e-6, .int8Block32: 0.5 / 127 + 0.002,
        .int4Block32: 0.5 / 7 + 0.002, .sparseCSR: 0,
    ]
    static let rmsErrorBudget: [WeightFormat: Float] = [.ternary: 0.45, .binary: 0.55, .sparse2of4: 0.5]

    func testEveryFormatHasABudget() {
        for format in WeightFormat.allCases {
            XCTAssertTrue(Self.maximumErrorBudget[format] != nil || Self.rmsErrorBudget[format] != nil, "\(format) has no budget")
        }
    }

    func testRoundTripWithinBudget() throws {
        var random = SeededRandom(seed: 7)
        for (rows, columns) in [(1, 1), (3, 7), (17, 300), (8, 512)] {
            let values = random.floats(rows * columns)
            let weights = try Tensor(shape: [rows, columns], elements: values)
            for format in WeightFormat.allCases {
                let restored = try QuantizedMatrix(quantizing: weights, format: format).dequantized()
                XCTAssertEqual(restored.shape, [rows, columns])
                let errors = zip(values, restored.elements).map { $0 - $1 }
                if let budget = Self.maximumErrorBudget[format] {
                    let largest = values.map(abs).max()!
                    let worst = errors.map(abs).max()!
                    XCTAssertLessThanOrEqual(worst, budget * largest, "\(format) \(rows)×\(columns)")
                } else if let budget = Self.rmsErrorBudget[format], rows * columns >= 64 {
                    let rms = { (v: [Float]) in (v.map { $0 * $0 }.reduce(0, +) / Float(v.count)).squareRoot() }
                    XCTAssertLessThanOrEqual(rms(errors), budget * rms(values), "\(format) \(rows)×\(columns)")
                }
            }
        }
    }

    func testBitsPerWeight() {
        XCTAssertEqual(WeightFormat.int4Block32.bitsPerWeight, 4.5)
        XCTAssertEqual(WeightFormat.int8Block32.bitsPerWeight, 8.5)
        XCTAssertEqual(WeightFormat.ternary.bitsPerWeight, 2.0625)
        XCTAssertEqual(WeightFormat.binary.bitsPerWeight(columns: 256), 1.125)  // 256 bits + one f32 scale
        XCTAssertEqual(WeightFormat.binary.bitsPerWeight(columns: 64), 4.5)    // padded to 256 bits
        XCTAssertEqual(WeightFormat.sparse2of4.bitsPerWeight, 18)
    }

    func testByteCountsMatchTheLayout() throws {
        let weights = try Tensor(shape: [3, 70])
        // 70 columns pad to 96 (int4): 3 rows × 3 blocks × (16 bytes + 2-byte scale).
        XCTAssertEqual(try QuantizedMatrix(quantizing: weights, format: .int4Block32).byteCount, 3 * 3 * 18)
        // Ternary pads to 256: 3 rows × (64 bytes + 2-byte scale).
        XCTAssertEqual(try QuantizedMatrix(quantizing: weights, format: .ternary).byteCount, 3 * 66)
        // Binary pads to 256 bits (one block of bit planes): 3 × (32 bytes + 4-byte scale).
        XCTAssertEqual(try QuantizedMatrix(quantizing: weights, format: .binary).byteCount, 3 * 36)
    }

    func testHalfConversionRoundsToNearestEven() {
        XCTAssertEqual(HalfPrecision.halfBits(1), 0x3C00)
        XCTAssertEqual(HalfPrecision.halfBits(65504), 0x7BFF)
        XCTAssertEqual(HalfPrecision.halfBits(1e6), 0x7C00)
        XCTAssertEqual(HalfPrecision.float(fromHalf: 0x0001), Float(bitPattern: 0x3380_0000))
        XCTAssertEqual(HalfPrecision.halfBits(1 + 1.0 / 2048), 0x3C00)  // tie rounds to even
        XCTAssertEqual(HalfPrecision.bfloatBits(1), 0x3F80)
        for bits: UInt16 in [0x3C00, 0x8001, 0x7BFF, 0x0400, 0xC000] {
            XCTAssertEqual(HalfPrecision.halfBits(HalfPrecision.float(fromHalf: bits)), bits)
        }
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try Tensor(shape: [-1, 3]))
        XCTAssertThrowsError(try Tensor(shape: [1 << 20, 1 << 20]))
        XCTAssertThrowsError(try QuantizedMatrix(quantizing: Tensor(shape: [2, 2, 2]), format: .f32))
        XCTAssertThrowsError(try WeightFormat.named("int3"))
        let tensor = try? Tensor(shape: [2, 3], elements: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try tensor?.element(at: [1, 2]), 6)
        XCTAssertThrowsError(try tensor?.element(at: [2, 0]))
        XCTAssertThrowsError(try tensor?.element(at: [0]))
    }
}

/// The AVX2 activation quantizer gives the same codes, scales and sums as the portable loop.
final class ActivationQuantizationTests: XCTestCase {
    func testEveryLevelQuantizesActivationsIdentically() throws {
        var random = SeededRandom(seed: 21)
        for (count, batch) in [(1, 1), (33, 2), (300, 3), (5000, 2)] {
            var x = random.floats(count * batch).map { $0 * 3 }
            x[0] = 0.5 * 3 / 127 * 7  // a value whose scaled code is near a half, to exercise the rounding
            for format in [WeightFormat.int8PerRow, .int4Block32, .ternary, .binary] {
                let reference = try x.withUnsafeBufferPointer {
                    try QuantizedActivations($0.baseAddress!, count: count, batch: batch, format: format, level: .generic)
                }
                for level in InstructionSet.available {
                    let other = try x.withUnsafeBufferPointer {
                        try QuantizedActivations($0.baseAddress!, count: count, batch: batch, format: format, level: level)
                    }
                    XCTAssertEqual(other.block, reference.block)
                    for item in 0..<batch {
                        let blocks = reference.paddedCount / reference.block
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: other.codes(item), count: reference.paddedCount)),
                                       Array(UnsafeBufferPointer(start: reference.codes(item), count: reference.paddedCount)),
                                       "\(level) \(format) \(count)")
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: other.scales(item), count: blocks)),
                                       Array(UnsafeBufferPointer(start: reference.scales(item), count: blocks)))
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: other.sums(item), count: blocks)),
                                       Array(UnsafeBufferPointer(start: reference.sums(item), count: blocks)))
                    }
                }
            }
        }
    }
}
