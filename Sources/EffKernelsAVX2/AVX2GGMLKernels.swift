#if arch(x86_64)
import CIntrinsics
import _Builtin_intrinsics.intel

/// AVX2 dot products of ggml block rows (Q8_0, Q4_0, Q4_1, read in place from a GGUF mapping) with activations
/// quantized to int8 per block of 32 (codes, f32 scale, Σ codes), the ggml x86 recipe: the 16 nibble bytes of a
/// block expand to 32 unsigned bytes (low nibbles = weights 0…15, high = 16…31), `vpmaddubsw` + `vpmaddwd`
/// give 8 int32 partial sums, one FMA scales them by d_w·d_x. Two rows per pass share every activation load.
///
/// Offsets of unsigned codes come from the activation sums: Q4_0 w = (q − 8)·d adds −8·d·d_x·Σa, Q4_1
/// w = q·d + m adds m·d_x·Σa. Each function computes output[r] = Σ_c W[r, c]·x[c] for r in rowStart..<rowEnd.
extension AVX2Kernels {
    /// 32 unsigned weight bytes from 16 nibble bytes (byte j: weight j low nibble, weight j + 16 high).
    @inline(__always)
    static func expandNibbles(_ pointer: UnsafeRawPointer) -> __m256i {
        let packed = load128(pointer)
        let mask = _mm_set1_epi8(0x0F)
        let low = _mm_and_si128(packed, mask)
        let high = _mm_and_si128(_mm_srli_epi16(packed, 4), mask)
        return _mm256_set_m128i(high, low)
    }

    /// Prefetches `bytes` bytes from `start` (every cache line they touch). The row kernels read four rows in
    /// block-interleaved order, which the hardware prefetchers follow poorly: each pass asks for the rows
    /// `prefetchGroups` passes ahead, one pass's share per block, so weight loads find their lines in cache.
    @inline(__always)
    static func prefetchSpan(_ start: UnsafeRawPointer, bytes: Int) {
        var offset = 0
        while offset < bytes { eff_prefetch(start + offset); offset &+= 64 }
        eff_prefetch(start + (bytes &- 1))
    }

    /// How many four-row passes ahead the row kernels prefetch.
    static let prefetchGroups = 2

    @inline(__always)
    static func halfAt(_ pointer: UnsafeRawPointer) -> Float { half(pointer.loadUnaligned(as: UInt16.self)) }

    /// One Q8_0 block of one row: acc += (Σ q_w·q_x)·d·d_x.
    @inline(__always)
    static func q8_0Block(_ block: UnsafeRawPointer, _ a: __m256i, _ xs: Float, _ acc: inout __m256) {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(block + 2), a)), _mm256_set1_ps(halfAt(block) * xs), acc)
    }

    public static func ggmlQ8_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        // Four rows per pass: four weight streams in flight, each activation block loaded once for all four.
        while r &+ 4 <= rowEnd {
            let w0 = rows + r &* rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            let ahead = w0 + prefetchGroups &* 4 &* rowBytes
            for b in 0..<blocks {
                prefetchSpan(ahead + b &* 136, bytes: 136)
                let a = load256(xCodes + b &* 32)
                let o = b &* 34
                let xs = xScales[b]
                q8_0Block(w0 + o, a, xs, &c0); q8_0Block(w1 + o, a, xs, &c1)
                q8_0Block(w2 + o, a, xs, &c2); q8_0Block(w3 + o, a, xs, &c3)
            }
            output[r] = sum(c0); output[r &+ 1] = sum(c1); output[r &+ 2] = sum(c2); output[r &+ 3] = sum(c3)
            r &+= 4
        }
        while r < rowEnd {
            let w0 = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps()
            for b in 0..<blocks { q8_0Block(w0 + b &* 34, load256(xCodes + b &* 32), xScales[b], &c0) }
            output[r] = sum(c0)
            r &+= 1
        }
    }

    public static func ggmlQ4_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        while r &+ 2 <= rowEnd {
            let w0 = rows + r &* rowBytes, w1 = w0 + rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps()
            var o0: Float = 0, o1: Float = 0
            for b in 0..<blocks {
                let a = load256(xCodes + b &* 32)
                let o = b &* 18
                let s0 = halfAt(w0 + o) * xScales[b], s1 = halfAt(w1 + o) * xScales[b]
                let sumA = Float(xSums[b])
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotUnsignedSigned(expandNibbles(w0 + o + 2), a)), _mm256_set1_ps(s0), c0)
                c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotUnsignedSigned(expandNibbles(w1 + o + 2), a)), _mm256_set1_ps(s1), c1)
                o0 += s0 * sumA; o1 += s1 * sumA
            }
            output[r] = sum(c0) - 8 * o0; output[r &+ 1] = sum(c1) - 8 * o1
            r &+= 2
        }
        while r < rowEnd {
            let w0 = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps()
            var o0: Float = 0
            for b in 0..<blocks {
                let o = b &* 18
                let s0 = halfAt(w0 + o) * xScales[b]
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotUnsignedSigned(expandNibbles(w0 + o + 2), load256(xCodes + b &* 32))),
                                     _mm256_set1_ps(s0), c0)
                o0 += s0 * Float(xSums[b])
            }
            output[r] = sum(c0) - 8 * o0
            r &+= 1
        }
    }

    /// One Q4_1 block of one row: acc += (Σ q_w·q_x)·d·d_x; returns m·d_x·Σq_x (the offset, added once per row).
    @inline(__always)
    static func q4_1Block(_ block: UnsafeRawPointer, _ a: __m256i, _ xs: Float, _ xds: Float, _ acc: inout __m256) -> Float {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotUnsignedSigned(expandNibbles(block + 4), a)), _mm256_set1_ps(halfAt(block) * xs), acc)
        return halfAt(block + 2) * xds
    }

    public static func ggmlQ4_1(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        // Four rows per pass: four weight streams in flight, each activation block loaded once for all four.
        while r &+ 4 <= rowEnd {
            let w0 = rows + r &* rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            var o0: Float = 0, o1: Float = 0, o2: Float = 0, o3: Float = 0
            let ahead = w0 + prefetchGroups &* 4 &* rowBytes
            for b in 0..<blocks {
                prefetchSpan(ahead + b &* 80, bytes: 80)
                let a = load256(xCodes + b &* 32)
                let o = b &* 20
                let xs = xScales[b]
                let xds = xs * Float(xSums[b])
                o0 += q4_1Block(w0 + o, a, xs, xds, &c0)
                o1 += q4_1Block(w1 + o, a, xs, xds, &c1)
                o2 += q4_1Block(w2 + o, a, xs, xds, &c2)
                o3 += q4_1Block(w3 + o, a, xs, xds, &c3)
            }
            output[r] = sum(c0) + o0; output[r &+ 1] = sum(c1) + o1
            output[r &+ 2] = sum(c2) + o2; output[r &+ 3] = sum(c3) + o3
            r &+= 4
        }
        while r < rowEnd {
            let w0 = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps()
            var o0: Float = 0
            for b in 0..<blocks {
                let xs = xScales[b]
                o0 += q4_1Block(w0 + b &* 20, load256(xCodes + b &* 32), xs, xs * Float(xSums[b]), &c0)
            }
            output[r] = sum(c0) + o0
            r &+= 1
        }
    }
}
#endif
