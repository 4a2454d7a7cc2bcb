#if arch(x86_64)
import CPrefetch
import _Builtin_intrinsics.intel

/// The ggml block row kernels for four activation vectors at once (batched decoding: four sequences' tokens):
/// each weight block is loaded and expanded once and multiplied with all four vectors, so the unpacking and the
/// weight-scale conversions are shared, and the weights are read from memory once for the four.
///
/// Activations are laid out as for the one-vector kernels, vector after vector: codes (4, blocks·32), scales and
/// sums (4, blocks). output[i·outputStride + r] = Σ_c W[r, c]·x_i[c] for r in rowStart..<rowEnd, i in 0..<4.
extension AVX2Kernels {
    /// The four vectors' activation blocks `b` and their scales.
    @inline(__always)
    private static func activations(_ codes: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>, blocks: Int, _ b: Int)
        -> (a0: __m256i, a1: __m256i, a2: __m256i, a3: __m256i, s: SIMD4<Float>) {
        let stride = blocks &* 32
        let base = codes + b &* 32
        return (load256(base), load256(base + stride), load256(base + 2 &* stride), load256(base + 3 &* stride),
                SIMD4(scales[b], scales[b &+ blocks], scales[b &+ 2 &* blocks], scales[b &+ 3 &* blocks]))
    }

    @inline(__always)
    private static func accumulate(_ dot: __m256i, _ scale: Float, _ acc: inout __m256) {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(scale), acc)
    }

    public static func ggmlQ4_1x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        for r in rowStart..<rowEnd {
            let w = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            var offsets = SIMD4<Float>()
            for b in 0..<blocks {
                let block = w + b &* 20
                if b & 3 == 0 { eff_prefetch(block + 2 &* rowBytes) }
                let x = activations(xCodes, xScales, blocks: blocks, b)
                let q = expandNibbles(block + 4)
                let d = halfAt(block), m = halfAt(block + 2)
                let sums = SIMD4(Float(xSums[b]), Float(xSums[b &+ blocks]), Float(xSums[b &+ 2 &* blocks]),
                                 Float(xSums[b &+ 3 &* blocks]))
                let scales = x.s * d
                accumulate(dotUnsignedSigned(q, x.a0), scales[0], &c0)
                accumulate(dotUnsignedSigned(q, x.a1), scales[1], &c1)
                accumulate(dotUnsignedSigned(q, x.a2), scales[2], &c2)
                accumulate(dotUnsignedSigned(q, x.a3), scales[3], &c3)
                offsets += x.s * sums * m
            }
            output[r] = sum(c0) + offsets[0]
            output[outputStride &+ r] = sum(c1) + offsets[1]
            output[2 &* outputStride &+ r] = sum(c2) + offsets[2]
            output[3 &* outputStride &+ r] = sum(c3) + offsets[3]
        }
    }

    public static func ggmlQ4_0x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        for r in rowStart..<rowEnd {
            let w = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            var offsets = SIMD4<Float>()
            for b in 0..<blocks {
                let block = w + b &* 18
                if b & 3 == 0 { eff_prefetch(block + 2 &* rowBytes) }
                let x = activations(xCodes, xScales, blocks: blocks, b)
                let q = expandNibbles(block + 2)
                let scales = x.s * halfAt(block)
                accumulate(dotUnsignedSigned(q, x.a0), scales[0], &c0)
                accumulate(dotUnsignedSigned(q, x.a1), scales[1], &c1)
                accumulate(dotUnsignedSigned(q, x.a2), scales[2], &c2)
                accumulate(dotUnsignedSigned(q, x.a3), scales[3], &c3)
                // w = (q − 8)·d: the −8 comes out of the unsigned codes' sum.
                offsets += scales * SIMD4(Float(xSums[b]), Float(xSums[b &+ blocks]), Float(xSums[b &+ 2 &* blocks]),
                                          Float(xSums[b &+ 3 &* blocks]))
            }
            output[r] = sum(c0) - 8 * offsets[0]
            output[outputStride &+ r] = sum(c1) - 8 * offsets[1]
            output[2 &* outputStride &+ r] = sum(c2) - 8 * offsets[2]
            output[3 &* outputStride &+ r] = sum(c3) - 8 * offsets[3]
        }
    }

    public static func ggmlQ8_0x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        for r in rowStart..<rowEnd {
            let w = rows + r &* rowBytes
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            for b in 0..<blocks {
                let block = w + b &* 34
                if b & 1 == 0 { eff_prefetch(block + 2 &* rowBytes) }
                let x = activations(xCodes, xScales, blocks: blocks, b)
                let q = load256(block + 2)
                // |w| once, then each vector takes w's signs.
                let magnitude = _mm256_sign_epi8(q, q)
                let scales = x.s * halfAt(block)
                accumulate(dotUnsignedSigned(magnitude, _mm256_sign_epi8(x.a0, q)), scales[0], &c0)
                accumulate(dotUnsignedSigned(magnitude, _mm256_sign_epi8(x.a1, q)), scales[1], &c1)
                accumulate(dotUnsignedSigned(magnitude, _mm256_sign_epi8(x.a2, q)), scales[2], &c2)
                accumulate(dotUnsignedSigned(magnitude, _mm256_sign_epi8(x.a3, q)), scales[3], &c3)
            }
            output[r] = sum(c0)
            output[outputStride &+ r] = sum(c1)
            output[2 &* outputStride &+ r] = sum(c2)
            output[3 &* outputStride &+ r] = sum(c3)
        }
    }
}
#endif
