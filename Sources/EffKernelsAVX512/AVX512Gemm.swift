#if arch(x86_64)
import _Builtin_intrinsics.intel

extension AVX512Kernels {
    /// Two adjacent 6 × 16 tiles of the f32 GEMM at once on 512-bit vectors: C (6 × 32, row stride `ldc`) (+)=
    /// packed A (kc × 6, k-major) · [packed B panel 0 | panel 1] (kc × 16 each, k-major). 12 accumulators stay in
    /// registers, each 16 lanes, so one FMA does what two do in `AVX2Kernels.gemmTile`; every output is the same
    /// sequence of fused multiply-adds along the depth as there, so the results are bit-identical.
    public static func gemmTilePair(depth: Int, packedA: UnsafePointer<Float>, packedB0: UnsafePointer<Float>,
                                    packedB1: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps()
        var c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps()
        var c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps()
        var a = packedA, b0p = packedB0, b1p = packedB1
        for _ in 0..<depth {
            let b0 = _mm512_loadu_ps(b0p), b1 = _mm512_loadu_ps(b1p)
            var v = _mm512_set1_ps(a[0])
            c00 = _mm512_fmadd_ps(v, b0, c00); c01 = _mm512_fmadd_ps(v, b1, c01)
            v = _mm512_set1_ps(a[1])
            c10 = _mm512_fmadd_ps(v, b0, c10); c11 = _mm512_fmadd_ps(v, b1, c11)
            v = _mm512_set1_ps(a[2])
            c20 = _mm512_fmadd_ps(v, b0, c20); c21 = _mm512_fmadd_ps(v, b1, c21)
            v = _mm512_set1_ps(a[3])
            c30 = _mm512_fmadd_ps(v, b0, c30); c31 = _mm512_fmadd_ps(v, b1, c31)
            v = _mm512_set1_ps(a[4])
            c40 = _mm512_fmadd_ps(v, b0, c40); c41 = _mm512_fmadd_ps(v, b1, c41)
            v = _mm512_set1_ps(a[5])
            c50 = _mm512_fmadd_ps(v, b0, c50); c51 = _mm512_fmadd_ps(v, b1, c51)
            a += 6
            b0p += 16
            b1p += 16
        }
        @inline(__always) func store(_ row: Int, _ low: __m512, _ high: __m512) {
            let p = c + row * ldc
            if accumulate {
                _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), low))
                _mm512_storeu_ps(p + 16, _mm512_add_ps(_mm512_loadu_ps(p + 16), high))
            } else {
                _mm512_storeu_ps(p, low)
                _mm512_storeu_ps(p + 16, high)
            }
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
        store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
    }
}
#endif
