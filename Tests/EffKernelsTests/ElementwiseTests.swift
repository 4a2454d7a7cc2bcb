@testable import EffKernels
import XCTest

final class ElementwiseTests: XCTestCase {
    func apply(_ values: [Float], _ body: (UnsafeMutableBufferPointer<Float>) throws -> Work) rethrows -> ([Float], Work) {
        var copy = values
        let work = try copy.withUnsafeMutableBufferPointer { try body($0) }
        return (copy, work)
    }

    func testActivations() throws {
        let x: [Float] = [-2, -0.5, 0, 1, 3]
        XCTAssertEqual(apply(x, Elementwise.relu).0, [0, 0, 0, 1, 3])
        XCTAssertEqual(apply(x, Elementwise.relu).1, Work(operations: [.f32Compare: 5], activationBytesRead: 20, activationBytesWritten: 20))
        let gelu = apply(x, Elementwise.gelu).0
        XCTAssertEqual(gelu[3], 0.8413447, accuracy: 1e-6)   // Φ(1)
        XCTAssertEqual(apply(x, Elementwise.sigmoid).0[2], 0.5)
        XCTAssertEqual(apply(x, Elementwise.silu).0[3], 0.7310586, accuracy: 1e-6)
        XCTAssertEqual(apply(x, Elementwise.tanh).0[4], 0.9950548, accuracy: 1e-6)
    }

    func testSoftmaxAndNorms() throws {
        let x: [Float] = [1, 2, 3, 4, 1000, 1000]
        let softmax = try apply(x) { try Elementwise.softmax($0, rowLength: 2) }.0
        XCTAssertEqual(softmax[0] + softmax[1], 1, accuracy: 1e-6)
        XCTAssertEqual(softmax[4], 0.5, accuracy: 1e-6)   // stable at large inputs
        let normalized = try apply([1, 2, 3, 4]) { try Elementwise.layerNorm($0, rowLength: 4, epsilon: 0) }.0
        XCTAssertEqual(normalized.reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertEqual(normalized.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-5)
        let rms = try apply([3, 4]) { try Elementwise.rmsNorm($0, rowLength: 2, epsilon: 0) }.0
        XCTAssertEqual(rms[0], 3 / (12.5 as Float).squareRoot(), accuracy: 1e-6)
        XCTAssertThrowsError(try apply(x) { try Elementwise.softmax($0, rowLength: 4) })
    }

    /// The normalization kernels agree with their Double twins within a named budget.
    func testNormsMatchTheirReferenceTwins() throws {
        let normBudget = 1e-5  // relative to the output's scale, f32 sums over 96 values
        var random = SystemRandomNumberGenerator()
        let x = (0..<(3 * 96)).map { _ in Float.random(in: -4...4, using: &random) }
        let gain = (0..<96).map { _ in Float.random(in: 0.5...2, using: &random) }
        let bias = (0..<96).map { _ in Float.random(in: -1...1, using: &random) }
        let layer = try gain.withUnsafeBufferPointer { g in
            try bias.withUnsafeBufferPointer { b in
                try apply(x) { try Elementwise.layerNorm($0, rowLength: 96, gain: g, bias: b) }.0
            }
        }
        for (value, expected) in zip(layer, ReferenceKernels.layerNorm(x, rowLength: 96, gain: gain, bias: bias)) {
            XCTAssertEqual(Double(value), expected, accuracy: normBudget * max(1, abs(expected)))
        }
        let rms = try gain.withUnsafeBufferPointer { g in try apply(x) { try Elementwise.rmsNorm($0, rowLength: 96, gain: g) }.0 }
        for (value, expected) in zip(rms, ReferenceKernels.rmsNorm(x, rowLength: 96, gain: gain)) {
            XCTAssertEqual(Double(value), expected, accuracy: normBudget * max(1, abs(expected)))
        }
    }

    func testArgmax() {
        let x: [Float] = [1, 5, 5, -1]
        XCTAssertEqual(x.withUnsafeBufferPointer { Elementwise.argmax($0).index }, 1)
        XCTAssertEqual([Float]().withUnsafeBufferPointer { Elementwise.argmax($0).index }, -1)
    }
}
