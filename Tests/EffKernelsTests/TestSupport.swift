@testable import EffKernels
import XCTest

/// Seeded pseudo-random floats in [−1, 1) (a fixed LCG, so failures reproduce).
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Double(state >> 11) / Double(1 << 53) * 2 - 1)
    }
    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}

/// Runs `body` once per instruction-set level this machine supports, forced one by one.
func forEachAvailableInstructionSet(_ body: (InstructionSet) throws -> Void) throws {
    defer { KernelDispatch.reset() }
    for level in InstructionSet.available {
        try KernelDispatch.select(level)
        try body(level)
    }
}
