@testable import EffKernels
import XCTest

/// The AVX-512 level runs two adjacent 6 × 16 GEMM tiles at once; each output is the same sequence of fused
/// multiply-adds as on the AVX2 level, so the two levels give bit-identical products (training stays reproducible
/// across them).
final class GemmTilePairTests: XCTestCase {
    func testAVX512PairTilesEqualAVX2TilesExactly() throws {
        guard InstructionSet.available.contains(.avx512) else { throw XCTSkip("no AVX-512 on this CPU") }
        defer { KernelDispatch.reset() }
        var random = SeededRandom(seed: 21)
        for (m, n, k) in [(12, 32, 7), (37, 70, 300), (128, 128, 32), (2048 / 16, 1024, 129), (6, 48, 1)] {
            for transposeA in [Transpose.none, .transposed] {
                for transposeB in [Transpose.none, .transposed] {
                    let a = random.floats(m * k), b = random.floats(k * n), start = random.floats(m * n)
                    for accumulate in [false, true] {
                        var results: [[Float]] = []
                        for level in [InstructionSet.avx2, .avx512] {
                            try KernelDispatch.select(level)
                            var c = start
                            try a.withUnsafeBufferPointer { ap in
                                try b.withUnsafeBufferPointer { bp in
                                    try c.withUnsafeMutableBufferPointer { cp in
                                        try Kernels.multiply(ap, bp, into: cp, m: m, n: n, k: k, transposeA: transposeA,
                                                             transposeB: transposeB, accumulate: accumulate)
                                    }
                                }
                            }
                            results.append(c)
                        }
                        XCTAssertEqual(results[0], results[1], "\(m)×\(n)×\(k) \(transposeA) \(transposeB) accumulate \(accumulate)")
                    }
                }
            }
        }
    }
}
