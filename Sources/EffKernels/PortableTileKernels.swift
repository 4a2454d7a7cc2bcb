/// The portable kernels besides the row dot products: the f32 GEMM register tile and the int8 activation
/// quantizer. Like `PortableRowKernels.swift`, this file uses only the standard library, so
/// scripts/check-arm64.sh can compile it for arm64 (NEON) with Embedded Swift and compare its results there with
/// the host's, bit for bit.
public enum PortableTileKernels {
    /// C[0..<6, 0..<16] (row stride `ldc`) = Σ_p A[p]·B[p] (+ C when `accumulate`): A packed 6 floats per p,
    /// B packed 16 floats per p. Twelve named SIMD8 accumulators (6 rows × 2 halves): with an array of them the
    /// optimizer kept the accumulators in memory (a load and a store per multiply-add); named, they stay in
    /// registers (x86-64 SSE2: 24 of 16 xmm, so some spill; arm64: 24 of 32 NEON registers).
    public static func gemmTile(depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var l0 = SIMD8<Float>(), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0
        var h0 = l0, h1 = l0, h2 = l0, h3 = l0, h4 = l0, h5 = l0
        var a = packedA, b = UnsafeRawPointer(packedB)
        for _ in 0..<depth {
            let b0 = b.loadUnaligned(as: SIMD8<Float>.self), b1 = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var s = SIMD8<Float>(repeating: a[0]); l0 += s * b0; h0 += s * b1
            s = SIMD8<Float>(repeating: a[1]); l1 += s * b0; h1 += s * b1
            s = SIMD8<Float>(repeating: a[2]); l2 += s * b0; h2 += s * b1
            s = SIMD8<Float>(repeating: a[3]); l3 += s * b0; h3 += s * b1
            s = SIMD8<Float>(repeating: a[4]); l4 += s * b0; h4 += s * b1
            s = SIMD8<Float>(repeating: a[5]); l5 += s * b0; h5 += s * b1
            a += 6
            b += 64
        }
        func store(_ row: Int, _ low: SIMD8<Float>, _ high: SIMD8<Float>) {
            let out = UnsafeMutableRawPointer(c + row * ldc)
            if accumulate {
                out.storeBytes(of: out.loadUnaligned(as: SIMD8<Float>.self) + low, as: SIMD8<Float>.self)
                out.storeBytes(of: out.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) + high,
                               toByteOffset: 32, as: SIMD8<Float>.self)
            } else {
                out.storeBytes(of: low, as: SIMD8<Float>.self)
                out.storeBytes(of: high, toByteOffset: 32, as: SIMD8<Float>.self)
            }
        }
        store(0, l0, h0); store(1, l1, h1); store(2, l2, h2)
        store(3, l3, h3); store(4, l4, h4); store(5, l5, h5)
    }

    /// Q8_0/Q8_K-style quantization of `blocks` blocks of `size` floats: per block d = max|x|/127,
    /// code = round-half-even(x/d) (all zero when d = 0), and Σ codes.
    public static func quantizeActivations(_ x: UnsafePointer<Float>, blocks: Int, size: Int,
                                           codes: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>,
                                           sums: UnsafeMutablePointer<Int32>) {
        for b in 0..<blocks {
            let block = x + size * b
            var largest: Float = 0
            for j in 0..<size { largest = max(largest, abs(block[j])) }
            let scale = largest / 127
            let inverse = scale > 0 ? 1 / scale : 0
            var sum: Int32 = 0
            for j in 0..<size {
                let code = Int8((block[j] * inverse).rounded(.toNearestOrEven))
                codes[size * b + j] = code
                sum &+= Int32(code)
            }
            scales[b] = scale
            sums[b] = sum
        }
    }

    /// Reorders int8 codes for the int4 layout: in each whole group of 8 blocks (256 codes), 32-byte vector v
    /// holds, for every block k of the group, its codes 4v..4v+3 at bytes 4k..4k+3 (an 8×8 transpose of 4-byte
    /// chunks); the codes after the last whole group stay in order.
    public static func groupInt4(_ codes: UnsafePointer<Int8>, count: Int, into out: UnsafeMutablePointer<Int8>) {
        let grouped = count / 256 * 256
        let source = UnsafeRawPointer(codes), target = UnsafeMutableRawPointer(out)
        for g in stride(from: 0, to: grouped, by: 256) {
            for v in 0..<8 {
                for k in 0..<8 {
                    target.storeBytes(of: source.loadUnaligned(fromByteOffset: g + 32 * k + 4 * v, as: UInt32.self),
                                      toByteOffset: g + 32 * v + 4 * k, as: UInt32.self)
                }
            }
        }
        (out + grouped).update(from: codes + grouped, count: count - grouped)
    }
}
