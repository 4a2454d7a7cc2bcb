#if arch(x86_64)
import CIntrinsics
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

    /// acc_i += (Σ unsigned codes · activation codes of vector i) · scale_i for the four vectors.
    @inline(__always)
    private static func accumulateFour(_ q: __m256i, _ a0: __m256i, _ a1: __m256i, _ a2: __m256i, _ a3: __m256i,
                                       _ scales: SIMD4<Float>, _ acc: inout (__m256, __m256, __m256, __m256)) {
        accumulate(dotUnsignedSigned(q, a0), scales[0], &acc.0)
        accumulate(dotUnsignedSigned(q, a1), scales[1], &acc.1)
        accumulate(dotUnsignedSigned(q, a2), scales[2], &acc.2)
        accumulate(dotUnsignedSigned(q, a3), scales[3], &acc.3)
    }

    /// output[i·stride + r] = Σ lanes of acc_i + offset_i for the four vectors.
    @inline(__always)
    private static func store(_ acc: (__m256, __m256, __m256, __m256), plus offsets: SIMD4<Float>, row r: Int,
                              _ output: UnsafeMutablePointer<Float>, stride: Int) {
        output[r] = sum(acc.0) + offsets[0]
        output[stride &+ r] = sum(acc.1) + offsets[1]
        output[2 &* stride &+ r] = sum(acc.2) + offsets[2]
        output[3 &* stride &+ r] = sum(acc.3) + offsets[3]
    }

    /// The four vectors' activation sums of block `b`.
    @inline(__always)
    private static func sums(_ xSums: UnsafePointer<Int32>, blocks: Int, _ b: Int) -> SIMD4<Float> {
        SIMD4(Float(xSums[b]), Float(xSums[b &+ blocks]), Float(xSums[b &+ 2 &* blocks]), Float(xSums[b &+ 3 &* blocks]))
    }

    /// Q4_1 (w = q·d + m, block: d, m, 16 nibble bytes) for four vectors.
    public static func ggmlQ4_1x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        nibblesx4(rows: rows, rowBytes: rowBytes, blocks: blocks, blockBytes: 20, xCodes: xCodes, xScales: xScales,
                  xSums: xSums, rowStart: rowStart, rowEnd: rowEnd, output: output, outputStride: outputStride) { block, xScales, sums in
            // m·d_x·Σ codes per block.
            xScales * sums * halfAt(block + 2)
        }
    }

    /// Q4_0 (w = (q − 8)·d, block: d, 16 nibble bytes) for four vectors.
    public static func ggmlQ4_0x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        nibblesx4(rows: rows, rowBytes: rowBytes, blocks: blocks, blockBytes: 18, xCodes: xCodes, xScales: xScales,
                  xSums: xSums, rowStart: rowStart, rowEnd: rowEnd, output: output, outputStride: outputStride) { block, xScales, sums in
            // The −8 comes out of the unsigned codes' sum: −8·d·d_x·Σ codes.
            -8 * xScales * halfAt(block) * sums
        }
    }

    /// The 4-bit block types: an f16 scale d first, the 16 nibble bytes last; `offset(block, d_x, Σ codes)` gives
    /// each vector's per-block constant term (the types differ only there).
    @inline(__always)
    private static func nibblesx4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, blockBytes: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>, rowStart: Int, rowEnd: Int,
                                  output: UnsafeMutablePointer<Float>, outputStride: Int,
                                  offset: (UnsafeRawPointer, SIMD4<Float>, SIMD4<Float>) -> SIMD4<Float>) {
        for r in rowStart..<rowEnd {
            let w = rows + r &* rowBytes
            var acc = (_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps())
            var offsets = SIMD4<Float>()
            for b in 0..<blocks {
                let block = w + b &* blockBytes
                if b & 3 == 0 { eff_prefetch(block + 2 &* rowBytes) }
                let x = activations(xCodes, xScales, blocks: blocks, b)
                let scales = x.s * halfAt(block)
                accumulateFour(expandNibbles(block + (blockBytes - 16)), x.a0, x.a1, x.a2, x.a3, scales, &acc)
                offsets += offset(block, x.s, sums(xSums, blocks: blocks, b))
            }
            store(acc, plus: offsets, row: r, output, stride: outputStride)
        }
    }

    public static func ggmlQ8_0x4(rows: UnsafeRawPointer, rowBytes: Int, blocks: Int, xCodes: UnsafePointer<Int8>,
                                  xScales: UnsafePointer<Float>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        for r in rowStart..<rowEnd {
            let w = rows + r &* rowBytes
            var acc = (_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps())
            for b in 0..<blocks {
                let block = w + b &* 34
                if b & 1 == 0 { eff_prefetch(block + 2 &* rowBytes) }
                let x = activations(xCodes, xScales, blocks: blocks, b)
                let q = load256(block + 2)
                // |w| once, then each vector takes w's signs.
                accumulateFour(_mm256_sign_epi8(q, q), _mm256_sign_epi8(x.a0, q), _mm256_sign_epi8(x.a1, q),
                               _mm256_sign_epi8(x.a2, q), _mm256_sign_epi8(x.a3, q), x.s * halfAt(block), &acc)
            }
            store(acc, plus: SIMD4<Float>(), row: r, output, stride: outputStride)
        }
    }
}
#endif
