import EffNumerics
import Foundation
#if arch(x86_64)
import EffKernelsAVX2
#endif

/// A STREAM-like read test: the memory read bandwidth eff compares its kernels against (the roofline).
public enum MemoryBandwidth {
    /// Bytes per second read by summing a `bytes`-sized f32 buffer (default 512 MiB, far beyond the caches)
    /// on `threads` threads; the median of `repeats` passes after one warm-up pass.
    public static func measureRead(bytes: Int = 512 << 20, threads: Int = 1, repeats: Int = 7) throws -> Double {
        let level = try KernelDispatch.current()
        let buffer = try AlignedBuffer(byteCount: bytes, what: "bandwidth test buffer")
        let floats = buffer.baseAddress.assumingMemoryBound(to: Float.self)
        let count = bytes / 4
        buffer.baseAddress.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)  // touch every page
        var sink: Float = 0
        var times: [Double] = []
        for pass in 0...max(1, repeats) {
            let start = ContinuousClock.now
            let total = LockedSum()
            KernelThreads.forEachChunk(total: count / 64, granularity: 1, threads: threads) { chunk in
                total.add(sumForBandwidth(floats + 64 * chunk.lowerBound, count: 64 * chunk.count, level: level))
            }
            let seconds = (ContinuousClock.now - start).seconds
            sink += total.value
            if pass > 0 { times.append(seconds) }
        }
        // The sum depends on the data so the reads cannot be optimized away.
        if sink == .infinity { print("") }
        return Double(count / 64 * 256) / Quantiles.median(times)
    }
}

/// Σ of `count` floats (a multiple of 64) with the widest loads the instruction-set level has.
private func sumForBandwidth(_ values: UnsafePointer<Float>, count: Int, level: InstructionSet) -> Float {
    #if arch(x86_64)
    if level >= .avx2 { return AVX2Kernels.sumForBandwidth(values, count: count) }
    #endif
    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    var i = 0
    while i < count {
        let p = UnsafeRawPointer(values + i)
        a0 += p.load(as: SIMD16<Float>.self)
        a1 += p.load(fromByteOffset: 64, as: SIMD16<Float>.self)
        a2 += p.load(fromByteOffset: 128, as: SIMD16<Float>.self)
        a3 += p.load(fromByteOffset: 192, as: SIMD16<Float>.self)
        i += 64
    }
    return (a0 + a1 + a2 + a3).sum()
}

/// A float sum that threads add to under a lock (once per thread, so the lock costs nothing measurable).
private final class LockedSum: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value: Float = 0
    func add(_ amount: Float) { lock.lock(); value += amount; lock.unlock() }
}
