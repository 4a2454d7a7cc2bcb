#if arch(x86_64)
import CIntrinsics
import _Builtin_intrinsics.intel

/// The x86-64 AVX-512 level (F, BW, VL, VNNI), compiled with those target features only; dispatch checks cpuid
/// before calling in. Where a kernel here has no counterpart, the level uses the AVX2 kernels (as ggml's
/// backends fall back to the level below).
///
/// - The ggml block row kernels (Q8_0, Q4_0, Q4_1 × int8 activations per block of 32) as the AVX2 ones — four rows
///   per pass sharing each activation load, the rows two passes ahead prefetched — with `vpdpbusd` (VNNI, on
///   256-bit vectors) doing in one instruction what AVX2 does with `vpmaddubsw` + `vpmaddwd`: 32 unsigned × signed
///   byte products summed into 8 int32 lanes, with no 16-bit saturation on the way.
/// - The f32 GEMV row kernel on 512-bit vectors (16 multiply-adds per FMA).
///
/// Each computes output[r] = Σ_c W[r, c]·x[c] for r in rowStart..<rowEnd; their scalar twins are the portable
/// kernels, and the tests force this level where the CPU has it.
public enum AVX512Kernels {
    @inline(__always)
    static func load256(_ pointer: UnsafeRawPointer) -> __m256i {
        _mm256_loadu_si256(pointer.assumingMemoryBound(to: __m256i_u.self))
    }

    @inline(__always)
    static func halfAt(_ pointer: UnsafeRawPointer) -> Float { _cvtsh_ss(pointer.loadUnaligned(as: UInt16.self)) }

    /// 32 unsigned weight bytes from 16 nibble bytes (byte j: weight j low nibble, weight j + 16 high).
    @inline(__always)
    static func expandNibbles(_ pointer: UnsafeRawPointer) -> __m256i {
        let packed = _mm_loadu_si128(pointer.assumingMemoryBound(to: __m128i_u.self))
        let mask = _mm_set1_epi8(0x0F)
        return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), mask), _mm_and_si128(packed, mask))
    }

    /// 8 int32 lanes whose sum is Σ unsigned × signed byte products (one `vpdpbusd`).
    @inline(__always)
    static func dot(_ unsigned: __m256i, _ signed: __m256i) -> __m256i {
        eff_dpbusd256(_mm256_setzero_si256(), unsigned, signed)
    }

    @inline(__always)
    static func sum(_ v: __m256) -> Float { v.sum() }

    /// Prefetches `bytes` bytes from `start`, every cache line they touch.
    @inline(__always)
    static func prefetchSpan(_ start: UnsafeRawPointer, bytes: Int) {
        var offset = 0
        while offset < bytes { eff_prefetch(start + offset); offset &+= 64 }
        eff_prefetch(start + (bytes &- 1))
    }

    /// Four rows per pass of a 4-bit or 8-bit ggml block type: `block(weights, a)` gives a block's int32 lanes and its
    /// scale d; `offset(weights)` its constant term per unit of d_x·Σ codes (0 for Q8_0, m for Q4_1, −8·d for Q4_0).
    @inline(__always)
    static func rows4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, blockBytes: Int, xCodes: UnsafePointer<Int8>,
                      xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>?, rowStart: Int, rowEnd: Int,
                      output: UnsafeMutablePointer<Float>,
                      block: (UnsafeRawPointer, __m256i) -> (lanes: __m256i, scale: Float),
                      offset: (UnsafeRawPointer) -> Float) {
        var r = rowStart
        while r &+ 4 <= rowEnd {
            let w0 = rows + r &* rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            var o = SIMD4<Float>()
            let ahead = w0 + 2 &* 4 &* rowBytes
            for b in 0..<blocks {
                prefetchSpan(ahead + b &* 4 &* blockBytes, bytes: 4 &* blockBytes)
                let a = load256(xCodes + b &* 32)
                let xs = xScales[b]
                let o0 = b &* blockBytes
                let (l0, d0) = block(w0 + o0, a), (l1, d1) = block(w1 + o0, a)
                let (l2, d2) = block(w2 + o0, a), (l3, d3) = block(w3 + o0, a)
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l0), _mm256_set1_ps(d0 * xs), c0)
                c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l1), _mm256_set1_ps(d1 * xs), c1)
                c2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l2), _mm256_set1_ps(d2 * xs), c2)
                c3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l3), _mm256_set1_ps(d3 * xs), c3)
                if let xSums {
                    let xd = xs * Float(xSums[b])
                    o += SIMD4(offset(w0 + o0), offset(w1 + o0), offset(w2 + o0), offset(w3 + o0)) * xd
                }
            }
            output[r] = sum(c0) + o[0]; output[r &+ 1] = sum(c1) + o[1]
            output[r &+ 2] = sum(c2) + o[2]; output[r &+ 3] = sum(c3) + o[3]
            r &+= 4
        }
        while r < rowEnd {
            let w0 = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps()
            var o: Float = 0
            for b in 0..<blocks {
                let o0 = b &* blockBytes
                let (l0, d0) = block(w0 + o0, load256(xCodes + b &* 32))
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l0), _mm256_set1_ps(d0 * xScales[b]), c0)
                if let xSums { o += offset(w0 + o0) * xScales[b] * Float(xSums[b]) }
            }
            output[r] = sum(c0) + o
            r &+= 1
        }
    }

    /// Q8_0 (block: f16 d, 32 int8 codes): |w| · (a with w's sign), as one `vpdpbusd`.
    public static func ggmlQ8_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        rows4(rows: rows, rowBytes: rowBytes, blocks: blocks, blockBytes: 34, xCodes: xCodes, xScales: xScales, xSums: nil,
              rowStart: rowStart, rowEnd: rowEnd, output: output,
              block: { w, a in
                  let q = load256(w + 2)
                  return (dot(_mm256_sign_epi8(q, q), _mm256_sign_epi8(a, q)), halfAt(w))
              }, offset: { _ in 0 })
    }

    /// Q4_0 (block: f16 d, 16 nibble bytes; w = (q − 8)·d).
    public static func ggmlQ4_0(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        rows4(rows: rows, rowBytes: rowBytes, blocks: blocks, blockBytes: 18, xCodes: xCodes, xScales: xScales, xSums: xSums,
              rowStart: rowStart, rowEnd: rowEnd, output: output,
              block: { w, a in (dot(expandNibbles(w + 2), a), halfAt(w)) }, offset: { w in -8 * halfAt(w) })
    }

    /// Q4_1 (block: f16 d, f16 m, 16 nibble bytes; w = q·d + m).
    public static func ggmlQ4_1(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        rows4(rows: rows, rowBytes: rowBytes, blocks: blocks, blockBytes: 20, xCodes: xCodes, xScales: xScales, xSums: xSums,
              rowStart: rowStart, rowEnd: rowEnd, output: output,
              block: { w, a in (dot(expandNibbles(w + 4), a), halfAt(w)) }, offset: { w in halfAt(w + 2) })
    }

    /// f32 GEMV, four rows per pass on 512-bit vectors (16 multiply-adds per FMA, two accumulators per row).
    public static func f32(weights: UnsafePointer<Float>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        while r <= rowEnd &- 1 {
            let count = min(4, rowEnd &- r)
            var acc = (_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps())
            let w0 = weights + r &* rowStride
            var c = 0
            while c &+ 16 <= columns {
                let v = _mm512_loadu_ps(x + c)
                acc.0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + c), v, acc.0)
                if count > 1 { acc.1 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + (rowStride &+ c)), v, acc.1) }
                if count > 2 { acc.2 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + (2 &* rowStride &+ c)), v, acc.2) }
                if count > 3 { acc.3 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + (3 &* rowStride &+ c)), v, acc.3) }
                c &+= 16
            }
            var sums = SIMD4(_mm512_reduce_add_ps(acc.0), _mm512_reduce_add_ps(acc.1), _mm512_reduce_add_ps(acc.2),
                             _mm512_reduce_add_ps(acc.3))
            for i in 0..<count {
                var tail = c
                let row = w0 + i &* rowStride
                while tail < columns { sums[i] += row[tail] * x[tail]; tail &+= 1 }
                output[r &+ i] = sums[i]
            }
            r &+= count
        }
    }
}
#endif
