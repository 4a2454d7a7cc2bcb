#if arch(x86_64)
import _Builtin_intrinsics.intel

/// AVX2 integer kernels for the int8-activation formats: `vpmaddubsw` (u8 × s8 → s16 pairs) then
/// `vpmaddwd` with ones (→ s32), one f32 multiply-add per block of 32 — the ggml x86 recipe.
/// Products never saturate: activation codes are in [−127, 127] and weights are at most 127 (int8, via
/// abs/sign), 15 (int4 codes) or 2 (ternary codes).
extension AVX2Kernels {
    @inline(__always)
    static func load256(_ pointer: UnsafeRawPointer) -> __m256i {
        _mm256_loadu_si256(pointer.assumingMemoryBound(to: __m256i_u.self))
    }

    @inline(__always)
    static func load128(_ pointer: UnsafeRawPointer) -> __m128i {
        _mm_loadu_si128(pointer.assumingMemoryBound(to: __m128i_u.self))
    }

    /// IEEE half bits → f32 with one F16C instruction (the portable twin branches on the exponent).
    @inline(__always)
    static func half(_ bits: UInt16) -> Float { _cvtsh_ss(bits) }

    /// Σ over 8 int32 lanes of unsigned × signed byte products (pairs summed in 16 bits, then in 32).
    @inline(__always)
    static func dotUnsignedSigned(_ unsigned: __m256i, _ signed: __m256i) -> __m256i {
        _mm256_madd_epi16(_mm256_maddubs_epi16(unsigned, signed), _mm256_set1_epi16(1))
    }

    /// Signed int8 · signed int8 over 32 bytes: |w| · (a with w's sign).
    @inline(__always)
    static func dotSignedSigned(_ w: __m256i, _ a: __m256i) -> __m256i {
        dotUnsignedSigned(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w))
    }

    /// int8 weights, f32 scale per row (`blockScales` nil) or f16 scale per 32, · int8 activations (f32 scale per 32).
    public static func int8(codes: UnsafePointer<Int8>, rowStride: Int, rowScales: UnsafePointer<Float>?,
                            blockScales: UnsafePointer<UInt16>?, columns: Int,
                            xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        var r = rowStart
        // Two rows at a time share each activation load and scale (and keep two weight streams in flight).
        while r &+ 2 <= rowEnd {
            let w0 = UnsafeRawPointer(codes + (r &* rowStride)), w1 = w0 + rowStride
            var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
            for b in 0..<blocks {
                let a = load256(xCodes + (32 &* b))
                let p0 = dotSignedSigned(load256(w0 + (32 &* b)), a)
                let p1 = dotSignedSigned(load256(w1 + (32 &* b)), a)
                var s0 = xScales[b], s1 = s0
                if let blockScales {
                    s0 *= half(blockScales[r &* blocks &+ b])
                    s1 *= half(blockScales[(r &+ 1) &* blocks &+ b])
                }
                acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(s0), acc0)
                acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(s1), acc1)
            }
            output[r] = sum(acc0) * (rowScales?[r] ?? 1)
            output[r &+ 1] = sum(acc1) * (rowScales?[r &+ 1] ?? 1)
            r &+= 2
        }
        if r < rowEnd {
            let w = UnsafeRawPointer(codes + (r &* rowStride))
            var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
            var b = 0
            while b &+ 2 <= blocks {
                let p0 = dotSignedSigned(load256(w + (32 &* b)), load256(xCodes + (32 &* b)))
                let p1 = dotSignedSigned(load256(w + (32 &* b &+ 32)), load256(xCodes + (32 &* b &+ 32)))
                var s0 = xScales[b], s1 = xScales[b &+ 1]
                if let blockScales {
                    s0 *= half(blockScales[r &* blocks &+ b])
                    s1 *= half(blockScales[r &* blocks &+ b &+ 1])
                }
                acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(s0), acc0)
                acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(s1), acc1)
                b &+= 2
            }
            if b < blocks {
                let p0 = dotSignedSigned(load256(w + (32 &* b)), load256(xCodes + (32 &* b)))
                var s0 = xScales[b]
                if let blockScales { s0 *= half(blockScales[r &* blocks &+ b]) }
                acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(s0), acc0)
            }
            output[r] = sum(_mm256_add_ps(acc0, acc1)) * (rowScales?[r] ?? 1)
        }
    }

    /// int4 weights (16 bytes per 32: low nibbles = weights 0–15, high = 16–31; value q − 8), f16 scale per 32.
    public static func int4(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                            xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        let lowNibbles = _mm_set1_epi8(0x0F)
        for r in rowStart..<rowEnd {
            let w = UnsafeRawPointer(codes + (r &* rowStride))
            var acc = _mm256_setzero_ps()
            var correction: Float = 0
            for b in 0..<blocks {
                let packed = load128(w + (16 &* b))
                let q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), lowNibbles), _mm_and_si128(packed, lowNibbles))
                let p = dotUnsignedSigned(q, load256(xCodes + (32 &* b)))
                let scale = xScales[b] * half(scales[r &* blocks &+ b])
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(scale), acc)
                correction += scale * Float(8 &* xSums[b])
            }
            output[r] = sum(acc) - correction
        }
    }

    /// Ternary weights (2-bit codes 0/1/2, 64 bytes per 256, byte j = weights j, j+64, j+128, j+192), f16 scale per 256.
    public static func ternary(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                               xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                               rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 256
        let twoBits = _mm256_set1_epi8(3)
        for r in rowStart..<rowEnd {
            let w = UnsafeRawPointer(codes + (r &* rowStride))
            var acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps()
            var correction: Float = 0
            for b in 0..<blocks {
                let d = half(scales[r &* blocks &+ b])
                var low = load256(w + (64 &* b)), high = load256(w + (64 &* b &+ 32))
                for part in 0..<4 {
                    // Activation blocks s (weights 64·part ..< +32) and s + 1 (the next 32).
                    let s = 8 &* b &+ 2 &* part
                    let p0 = dotUnsignedSigned(_mm256_and_si256(low, twoBits), load256(xCodes + (32 &* s)))
                    let p1 = dotUnsignedSigned(_mm256_and_si256(high, twoBits), load256(xCodes + (32 &* s &+ 32)))
                    let s0 = d * xScales[s], s1 = d * xScales[s &+ 1]
                    acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_set1_ps(s0), acc0)
                    acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_set1_ps(s1), acc1)
                    correction += s0 * Float(xSums[s]) + s1 * Float(xSums[s &+ 1])
                    low = _mm256_srli_epi16(low, 2)
                    high = _mm256_srli_epi16(high, 2)
                }
            }
            output[r] = sum(_mm256_add_ps(acc0, acc1)) - correction
        }
    }
}
#endif
