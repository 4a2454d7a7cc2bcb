#if arch(x86_64)
import EffKernelsAVX2
import EffKernelsAVX512
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
        let tile = GemmTile.kernel(for: level), pairTile = GemmTile.pairKernel(for: level)
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
                        let first = j0 + panel * 16, valid = min(16, j0 + columns - first)
                        if valid == 16 && bColumnStride == 1 {
                            // 16 contiguous columns per depth step: one 64-byte copy each.
                            for p in 0..<depth {
                                let value = UnsafeRawPointer(bBase + (p0 + p) * bDepthStride + first).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(out + p * 16).storeBytes(of: value, as: SIMD16<Float>.self)
                            }
                        } else if valid == 16 && bDepthStride == 1 {
                            // A transposed B: 16 columns each contiguous along the depth, moved 4 × 4 at a time.
                            packTransposed(columns: bBase + first * bColumnStride + p0, stride: bColumnStride,
                                           depth: depth, into: out)
                        } else {
                            // Column by column: each column of a transposed B is contiguous along the depth.
                            for j in 0..<16 {
                                if j < valid {
                                    let source = bBase + (first + j) * bColumnStride + p0 * bDepthStride
                                    for p in 0..<depth { out[p * 16 + j] = source[p * bDepthStride] }
                                } else {
                                    for p in 0..<depth { out[p * 16 + j] = 0 }
                                }
                            }
                        }
                    }
                }
                let firstDepth = p0 == 0
                let sharedB = UnsafePointer(packedB)
                let rowPanels = (m + 5) / 6
                KernelThreads.forEachChunk(total: rowPanels, granularity: 1, threads: threads) { panelRange in
                    let packedA = UnsafeMutablePointer<Float>.allocate(capacity: depth * 6)
                    defer { packedA.deallocate() }
                    var edge = [Float](repeating: 0, count: 6 * 16)
                    for rowPanel in panelRange {
                        let i0 = rowPanel * 6
                        let rows = min(6, m - i0)
                        if aDepthStride == 1 && rows == 6 {
                            // Six rows contiguous along the depth, interleaved 4 depth steps at a time.
                            packRows(aBase + i0 * aRowStride + p0, stride: aRowStride, depth: depth, into: packedA)
                        } else if aDepthStride == 1 {
                            // Row by row: each row of an untransposed A is contiguous along the depth.
                            for i in 0..<6 {
                                if i < rows {
                                    let source = aBase + (i0 + i) * aRowStride + p0
                                    for p in 0..<depth { packedA[p * 6 + i] = source[p] }
                                } else {
                                    for p in 0..<depth { packedA[p * 6 + i] = 0 }
                                }
                            }
                        } else if rows == 6 {
                            // A transposed A holds the panel's six rows side by side at each depth step.
                            for p in 0..<depth {
                                let source = UnsafeRawPointer(aBase + i0 * aRowStride + (p0 + p) * aDepthStride)
                                let target = UnsafeMutableRawPointer(packedA + p &* 6)
                                target.storeBytes(of: source.loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                                (target + 16).storeBytes(of: (source + 16).loadUnaligned(as: SIMD2<Float>.self), as: SIMD2<Float>.self)
                            }
                        } else {
                            // Depth by depth: a transposed A holds the panel's rows side by side.
                            for p in 0..<depth {
                                let source = aBase + i0 * aRowStride + (p0 + p) * aDepthStride
                                for i in 0..<6 { packedA[p * 6 + i] = i < rows ? source[i * aRowStride] : 0 }
                            }
                        }
                        let add = accumulate || !firstDepth
                        let pa = UnsafeBufferPointer(start: UnsafePointer(packedA), count: depth * 6)
                        do {
                            var panel = 0
                            while panel < panels {
                                let jStart = j0 + panel * 16
                                let width = min(16, j0 + columns - jStart)
                                let target = cBase + i0 * n + jStart
                                defer { panel += 1 }
                                if let pairTile, rows == 6, j0 + columns - jStart >= 32 {
                                    // Two full panels at once (AVX-512: 16-lane vectors).
                                    pairTile(depth, pa.baseAddress!, sharedB + panel * depth * 16, sharedB + (panel + 1) * depth * 16,
                                             target, n, add)
                                    panel += 1
                                } else if rows == 6 && width == 16 {
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

/// Packs six rows, each contiguous along the depth and `stride` apart, as depth-major groups of six:
/// out[p·6 + i] = rows[i·stride + p]. Four depth steps at a time go through SIMD shuffles.
@inline(__always)
private func packRows(_ rows: UnsafePointer<Float>, stride: Int, depth: Int, into out: UnsafeMutablePointer<Float>) {
    let r0 = UnsafeRawPointer(rows), r1 = UnsafeRawPointer(rows + stride), r2 = UnsafeRawPointer(rows + 2 * stride)
    let r3 = UnsafeRawPointer(rows + 3 * stride), r4 = UnsafeRawPointer(rows + 4 * stride), r5 = UnsafeRawPointer(rows + 5 * stride)
    let target = UnsafeMutableRawPointer(out)
    var p = 0
    while p &+ 4 <= depth {
        let offset = p &* 4
        let v0 = (r0 + offset).loadUnaligned(as: SIMD4<Float>.self), v1 = (r1 + offset).loadUnaligned(as: SIMD4<Float>.self)
        let v2 = (r2 + offset).loadUnaligned(as: SIMD4<Float>.self), v3 = (r3 + offset).loadUnaligned(as: SIMD4<Float>.self)
        let v4 = (r4 + offset).loadUnaligned(as: SIMD4<Float>.self), v5 = (r5 + offset).loadUnaligned(as: SIMD4<Float>.self)
        let o = target + p &* 24
        o.storeBytes(of: SIMD4(v0[0], v1[0], v2[0], v3[0]), as: SIMD4<Float>.self)
        (o + 16).storeBytes(of: SIMD4(v4[0], v5[0], v0[1], v1[1]), as: SIMD4<Float>.self)
        (o + 32).storeBytes(of: SIMD4(v2[1], v3[1], v4[1], v5[1]), as: SIMD4<Float>.self)
        (o + 48).storeBytes(of: SIMD4(v0[2], v1[2], v2[2], v3[2]), as: SIMD4<Float>.self)
        (o + 64).storeBytes(of: SIMD4(v4[2], v5[2], v0[3], v1[3]), as: SIMD4<Float>.self)
        (o + 80).storeBytes(of: SIMD4(v2[3], v3[3], v4[3], v5[3]), as: SIMD4<Float>.self)
        p &+= 4
    }
    while p < depth {
        for i in 0..<6 { out[p &* 6 &+ i] = rows[i &* stride &+ p] }
        p &+= 1
    }
}

/// Packs 16 columns, each contiguous along the depth and `stride` apart, as depth-major rows of 16:
/// out[p·16 + j] = columns[j·stride + p], in 4 × 4 transposes.
@inline(__always)
private func packTransposed(columns: UnsafePointer<Float>, stride: Int, depth: Int, into out: UnsafeMutablePointer<Float>) {
    var p = 0
    while p &+ 4 <= depth {
        for j in Swift.stride(from: 0, to: 16, by: 4) {
            let c0 = UnsafeRawPointer(columns + (j &* stride &+ p)).loadUnaligned(as: SIMD4<Float>.self)
            let c1 = UnsafeRawPointer(columns + ((j &+ 1) &* stride &+ p)).loadUnaligned(as: SIMD4<Float>.self)
            let c2 = UnsafeRawPointer(columns + ((j &+ 2) &* stride &+ p)).loadUnaligned(as: SIMD4<Float>.self)
            let c3 = UnsafeRawPointer(columns + ((j &+ 3) &* stride &+ p)).loadUnaligned(as: SIMD4<Float>.self)
            let o = UnsafeMutableRawPointer(out + (p &* 16 &+ j))
            o.storeBytes(of: SIMD4(c0[0], c1[0], c2[0], c3[0]), as: SIMD4<Float>.self)
            (o + 64).storeBytes(of: SIMD4(c0[1], c1[1], c2[1], c3[1]), as: SIMD4<Float>.self)
            (o + 128).storeBytes(of: SIMD4(c0[2], c1[2], c2[2], c3[2]), as: SIMD4<Float>.self)
            (o + 192).storeBytes(of: SIMD4(c0[3], c1[3], c2[3], c3[3]), as: SIMD4<Float>.self)
        }
        p &+= 4
    }
    while p < depth {
        for j in 0..<16 { out[p &* 16 &+ j] = columns[j &* stride &+ p] }
        p &+= 1
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

    typealias PairKernel = (_ depth: Int, _ packedA: UnsafePointer<Float>, _ packedB0: UnsafePointer<Float>,
                            _ packedB1: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) -> Void

    /// A kernel for two adjacent full tiles at once (6 × 32), where the level has one: the same multiply-adds in the
    /// same order as two `kernel(for:)` calls, so results do not depend on it.
    static func pairKernel(for level: InstructionSet) -> PairKernel? {
        #if arch(x86_64)
        if level >= .avx512 { return AVX512Kernels.gemmTilePair }
        #endif
        return nil
    }
}
