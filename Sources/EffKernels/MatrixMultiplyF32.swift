#if arch(x86_64)
import EffKernelsAVX2
#endif

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
}

extension Kernels {
    /// C = op(A)·op(B) (+ C when `accumulate`), f32, row-major buffers, for training and batched inference.
    ///
    /// op(A) is (m, k), op(B) is (k, n), C is (m, n). Stored shapes: A is (m, k) or, transposed, (k, m);
    /// B is (k, n) or, transposed, (n, k). So `A·Bᵀ` is `transposeB: .transposed` with B stored (n, k).
    /// Blocked (GotoBLAS style): B packed in panels of 16 columns, A in panels of 6 rows, register-tile
    /// micro-kernel (AVX2+FMA or portable SIMD), rows of C split across `KernelThreads.count` threads.
    ///
    ///     try Kernels.multiply(a, b, into: &c, m: 64, n: 128, k: 256)               // C = A·B
    ///     try Kernels.multiply(a, w, into: &y, m: 64, n: 512, k: 256, transposeB: .transposed)  // Y = X·Wᵀ
    @discardableResult
    public static func multiply(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>,
                                into c: UnsafeMutableBufferPointer<Float>, m: Int, n: Int, k: Int,
                                transposeA: Transpose = .none, transposeB: Transpose = .none,
                                accumulate: Bool = false) throws -> Work {
        let level = try KernelDispatch.current()
        guard m >= 0, n >= 0, k >= 0 else { throw KernelError.invalidArgument("multiply: negative dimension m=\(m) n=\(n) k=\(k)") }
        guard a.count == m * k else { throw KernelError.shapeMismatch(what: "multiply: A count vs m × k", expected: m * k, actual: a.count) }
        guard b.count == k * n else { throw KernelError.shapeMismatch(what: "multiply: B count vs k × n", expected: k * n, actual: b.count) }
        guard c.count == m * n else { throw KernelError.shapeMismatch(what: "multiply: C count vs m × n", expected: m * n, actual: c.count) }
        var work = Work()
        work.add(.f32MultiplyAdd, UInt64(m) * UInt64(n) * UInt64(k))
        if accumulate { work.add(.f32Add, UInt64(m) * UInt64(n)) }
        work.activationBytesRead = UInt64(m * k + k * n + (accumulate ? m * n : 0)) * 4
        work.activationBytesWritten = UInt64(m * n) * 4
        guard m > 0, n > 0, let aBase = a.baseAddress, let bBase = b.baseAddress, let cBase = c.baseAddress else { return work }
        if k == 0 {
            if !accumulate { cBase.update(repeating: 0, count: m * n) }
            return work
        }
        let aRowStride = transposeA == .none ? k : 1, aDepthStride = transposeA == .none ? 1 : m
        let bDepthStride = transposeB == .none ? n : 1, bColumnStride = transposeB == .none ? 1 : k
        let tile = GemmTile.kernel(for: level)
        let depthBlock = 256, columnBlock = 1024
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: depthBlock * (columnBlock + 16))
        defer { packedB.deallocate() }
        var j0 = 0
        while j0 < n {
            let columns = min(columnBlock, n - j0)
            var p0 = 0
            while p0 < k {
                let depth = min(depthBlock, k - p0)
                // At least 4 M multiply-adds per extra thread.
                let threads = KernelThreads.useful(for: m * columns * depth, perThread: 4 << 20)
                // Pack B[p0..<p0+depth, j0..<j0+columns] into panels of 16 columns, depth-major, zero-padded.
                // The threads share the packing (done serially it capped the 2-thread speed-up: Amdahl).
                let panels = (columns + 15) / 16
                KernelThreads.forEachChunk(total: panels, granularity: 1, threads: threads) { panelRange in
                    for panel in panelRange {
                        let out = packedB + panel * depth * 16
                        for p in 0..<depth {
                            let source = bBase + (p0 + p) * bDepthStride
                            for j in 0..<16 {
                                let column = j0 + panel * 16 + j
                                out[p * 16 + j] = column < j0 + columns ? source[column * bColumnStride] : 0
                            }
                        }
                    }
                }
                let firstDepth = p0 == 0
                let sharedB = UnsafePointer(packedB)
                let rowPanels = (m + 5) / 6
                KernelThreads.forEachChunk(total: rowPanels, granularity: 1, threads: threads) { panelRange in
                    var packedA = [Float](repeating: 0, count: depth * 6)
                    var edge = [Float](repeating: 0, count: 6 * 16)
                    for rowPanel in panelRange {
                        let i0 = rowPanel * 6
                        let rows = min(6, m - i0)
                        for p in 0..<depth {
                            for i in 0..<6 {
                                packedA[p * 6 + i] = i < rows ? aBase[(i0 + i) * aRowStride + (p0 + p) * aDepthStride] : 0
                            }
                        }
                        let add = accumulate || !firstDepth
                        packedA.withUnsafeBufferPointer { pa in
                            for panel in 0..<panels {
                                let jStart = j0 + panel * 16
                                let width = min(16, j0 + columns - jStart)
                                let target = cBase + i0 * n + jStart
                                if rows == 6 && width == 16 {
                                    tile(depth, pa.baseAddress!, sharedB + panel * depth * 16, target, n, add)
                                } else {
                                    edge.withUnsafeMutableBufferPointer { e in
                                        tile(depth, pa.baseAddress!, sharedB + panel * depth * 16, e.baseAddress!, 16, false)
                                        for i in 0..<rows {
                                            for j in 0..<width {
                                                target[i * n + j] = (add ? target[i * n + j] : 0) + e[i * 16 + j]
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                p0 += depth
            }
            j0 += columns
        }
        return work
    }
}

/// The 6 × 16 register-tile micro-kernels of the f32 GEMM, one per instruction-set level.
enum GemmTile {
    typealias Kernel = (_ depth: Int, _ packedA: UnsafePointer<Float>, _ packedB: UnsafePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) -> Void

    static func kernel(for level: InstructionSet) -> Kernel {
        #if arch(x86_64)
        if level >= .avx2 { return AVX2Kernels.gemmTile }
        #endif
        return PortableTileKernels.gemmTile
    }
}
