#if arch(x86_64)
import EffNumerics
import _Builtin_intrinsics.intel

/// Hand-written AVX2 + FMA kernels (this target is compiled with `-mavx2 -mfma -mf16c`).
///
/// Only call these after the CPU reported AVX2, FMA and F16C (EffKernels' dispatch does that).
public enum AVX2Kernels {
    /// f32 GEMV rows rowStart..<rowEnd: four rows at a time, two 8-wide FMA chains per row.
    public static func f32(weights: UnsafePointer<Float>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        while r + 4 <= rowEnd {
            let w0 = weights + r * rowStride, w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride
            var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps()
            var b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps()
            var c = 0
            while c + 16 <= columns {
                let v = _mm256_loadu_ps(x + c), u = _mm256_loadu_ps(x + c + 8)
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), v, a0); b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), u, b0)
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), v, a1); b1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c + 8), u, b1)
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), v, a2); b2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c + 8), u, b2)
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), v, a3); b3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c + 8), u, b3)
                c += 16
            }
            var s0 = sum(_mm256_add_ps(a0, b0)), s1 = sum(_mm256_add_ps(a1, b1))
            var s2 = sum(_mm256_add_ps(a2, b2)), s3 = sum(_mm256_add_ps(a3, b3))
            while c < columns { s0 += w0[c] * x[c]; s1 += w1[c] * x[c]; s2 += w2[c] * x[c]; s3 += w3[c] * x[c]; c += 1 }
            output[r] = s0; output[r + 1] = s1; output[r + 2] = s2; output[r + 3] = s3
            r += 4
        }
        if r < rowEnd {
            PortableRowKernels.f32(weights: weights, rowStride: rowStride, columns: columns, x: x,
                                   rowStart: r, rowEnd: rowEnd, output: output)
        }
    }

    /// f16 GEMV: weights widened with F16C `vcvtph2ps`, two rows at a time.
    public static func f16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let w = weights + r * rowStride
            var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps()
            var c = 0
            while c + 16 <= columns {
                let h0 = _mm_loadu_si128(UnsafeRawPointer(w + c).assumingMemoryBound(to: __m128i.self))
                let h1 = _mm_loadu_si128(UnsafeRawPointer(w + c + 8).assumingMemoryBound(to: __m128i.self))
                a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(h0), _mm256_loadu_ps(x + c), a0)
                a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(h1), _mm256_loadu_ps(x + c + 8), a1)
                c += 16
            }
            var s = sum(_mm256_add_ps(a0, a1))
            while c < columns { s += HalfPrecision.float(fromHalf: w[c]) * x[c]; c += 1 }
            output[r] = s
        }
    }

    /// bf16 GEMV: bf16 → f32 is the 16 bits moved to the top of a 32-bit lane (`vpmovzxwd` + `vpslld` 16), exact;
    /// one row at a time, two 8-wide FMA chains (as `f16`). Rows are read with one sequential stream each.
    public static func bf16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        @inline(__always) func widen(_ pointer: UnsafePointer<UInt16>) -> __m256 {
            let bits = _mm_loadu_si128(UnsafeRawPointer(pointer).assumingMemoryBound(to: __m128i_u.self))
            return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16))
        }
        for r in rowStart..<rowEnd {
            let w = weights + r &* rowStride
            var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps()
            var c = 0
            while c &+ 16 <= columns {
                a0 = _mm256_fmadd_ps(widen(w + c), _mm256_loadu_ps(x + c), a0)
                a1 = _mm256_fmadd_ps(widen(w + (c &+ 8)), _mm256_loadu_ps(x + (c &+ 8)), a1)
                c &+= 16
            }
            var s = sum(_mm256_add_ps(a0, a1))
            while c < columns { s += HalfPrecision.float(fromBfloat: w[c]) * x[c]; c &+= 1 }
            output[r] = s
        }
    }

    /// Horizontal sum of 8 lanes.
    @inline(__always)
    static func sum(_ v: __m256) -> Float {
        v.sum()  // __m256 is SIMD8<Float> in Swift
    }
}
#endif

#if arch(x86_64)
extension AVX2Kernels {
    /// Σ of `count` floats (a multiple of 64) read as four streams at once (as a 4-row GEMV reads), eight
    /// independent 256-bit accumulators: the memory read test. Several streams keep more reads in flight.
    public static func sumForBandwidth(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps()
        var a4 = _mm256_setzero_ps(), a5 = _mm256_setzero_ps(), a6 = _mm256_setzero_ps(), a7 = _mm256_setzero_ps()
        let quarter = count / 256 * 64   // floats per stream, a multiple of 64
        let p0 = values, p1 = values + quarter, p2 = p1 + quarter, p3 = p2 + quarter
        var i = 0
        while i < quarter {
            a0 = _mm256_add_ps(a0, _mm256_load_ps(p0 + i)); a1 = _mm256_add_ps(a1, _mm256_load_ps(p0 + i + 8))
            a2 = _mm256_add_ps(a2, _mm256_load_ps(p1 + i)); a3 = _mm256_add_ps(a3, _mm256_load_ps(p1 + i + 8))
            a4 = _mm256_add_ps(a4, _mm256_load_ps(p2 + i)); a5 = _mm256_add_ps(a5, _mm256_load_ps(p2 + i + 8))
            a6 = _mm256_add_ps(a6, _mm256_load_ps(p3 + i)); a7 = _mm256_add_ps(a7, _mm256_load_ps(p3 + i + 8))
            i += 16
        }
        var rest: Float = 0
        for j in (4 * quarter)..<count { rest += values[j] }
        return rest + sum(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                        _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7))))
    }
}
#endif
