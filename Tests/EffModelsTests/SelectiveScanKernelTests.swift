import EffKernels
@testable import EffModels
import XCTest

/// The selective scan's two builds (portable, and the AVX2 copy) give the same bits, and its exp stays within 1 ulp
/// of expf.
final class SelectiveScanKernelTests: XCTestCase {
    func testPortableAndAVX2BuildsAgreeBitForBit() throws {
        guard InstructionSet.avx2.isBuilt, InstructionSet.avx2.isSupportedByProcessor else { throw XCTSkip("no AVX2") }
        var random = RandomGenerator(seed: 9)
        for n in [16, 5, 12] {   // whole SIMD blocks, only a tail, and both
            let length = 9, inner = 7, bcStride = 2 + 2 * n
            func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextNormal() } }
            let u = values(length * inner), bc = values(length * bcStride), delta = values(length * inner).map { abs($0) + 0.1 }
            let decay = values(inner * n).map { -abs($0) - 0.5 }, skip = values(inner)
            let slopes = values(length * inner), dy = values(length * inner)
            func run(avx2: Bool) -> [[Float]] {
                var y = [Float](repeating: 0, count: length * inner), h = [Float](repeating: 0, count: length * inner * n)
                var decayed = h, carried = [Float](repeating: 0, count: inner * n), du = y
                var dbc = [Float](repeating: 0, count: length * bcStride), ddt = y, dA = carried
                var dD = [Float](repeating: 0, count: inner)
                let kernels = ScanKernels(avx2: avx2)
                kernels.forward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: 2, u: u, bc: bc, delta: delta,
                                decay: decay, skip: skip, y: &y, states: &h, keep: true, decayed: &decayed)
                kernels.backward(length: length, inner: inner, n: n, bcStride: bcStride, offsetB: 2, u: u, bc: bc,
                                 deltas: delta, slopes: slopes, dy: dy, decay: decay, skip: skip, h: h, ab: decayed,
                                 carried: &carried, du: &du, dbc: &dbc, ddt: &ddt, dA: &dA, dD: &dD)
                return [y, h, decayed, du, dbc, ddt, dA, dD]
            }
            XCTAssertEqual(run(avx2: true), run(avx2: false), "state \(n)")
        }
    }

    /// The AVX2 target compiles a copy of the portable file; the two must not drift apart.
    func testTheTwoCopiesOfTheKernelSourceAreIdentical() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let portable = try Data(contentsOf: root.appendingPathComponent("Sources/EffKernels/SelectiveScanKernels.swift"))
        let avx2 = try Data(contentsOf: root.appendingPathComponent("Sources/EffKernelsAVX2/SelectiveScanKernels.swift"))
        XCTAssertEqual(portable, avx2)
    }

    func testExponentialIsWithinOneUlpOfExpf() {
        var x: Float = -87.3
        while x < 88 {
            let value = exponential(SIMD8(repeating: x))[0], expected = Foundation.exp(x)
            XCTAssertLessThanOrEqual(abs(value - expected), expected.ulp, "exp(\(x))")
            x += 0.0137
        }
        XCTAssertEqual(exponential(SIMD8(repeating: -200))[0], 0)
        XCTAssertEqual(exponential(SIMD8(repeating: 0))[0], 1)
    }
}
