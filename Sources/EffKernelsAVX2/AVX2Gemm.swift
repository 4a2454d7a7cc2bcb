#if arch(x86_64)
import _Builtin_intrinsics.intel

extension AVX2Kernels {
    /// Rows of the register tile of the f32 GEMM micro-kernel.
    public static let gemmTileRows = 6
    /// Columns of the register tile (two 8-wide vectors).
    public static let gemmTileColumns = 16

    /// C tile (6 × 16, row stride `ldc`) (+)= packed A (kc × 6, k-major) · packed B (kc × 16, k-major).
    /// 12 accumulators stay in registers; `accumulate` false overwrites C.
    public static func gemmTile(depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        var c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps()
        var c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps()
        var c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps()
        var a = packedA, b = packedB
        for _ in 0..<depth {
            let b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8)
            var v = _mm256_broadcast_ss(a)
            c00 = _mm256_fmadd_ps(v, b0, c00); c01 = _mm256_fmadd_ps(v, b1, c01)
            v = _mm256_broadcast_ss(a + 1)
            c10 = _mm256_fmadd_ps(v, b0, c10); c11 = _mm256_fmadd_ps(v, b1, c11)
            v = _mm256_broadcast_ss(a + 2)
            c20 = _mm256_fmadd_ps(v, b0, c20); c21 = _mm256_fmadd_ps(v, b1, c21)
            v = _mm256_broadcast_ss(a + 3)
            c30 = _mm256_fmadd_ps(v, b0, c30); c31 = _mm256_fmadd_ps(v, b1, c31)
            v = _mm256_broadcast_ss(a + 4)
            c40 = _mm256_fmadd_ps(v, b0, c40); c41 = _mm256_fmadd_ps(v, b1, c41)
            v = _mm256_broadcast_ss(a + 5)
            c50 = _mm256_fmadd_ps(v, b0, c50); c51 = _mm256_fmadd_ps(v, b1, c51)
            a += 6
            b += 16
        }
        @inline(__always) func store(_ row: Int, _ low: __m256, _ high: __m256) {
            let p = c + row * ldc
            if accumulate {
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), low))
                _mm256_storeu_ps(p + 8, _mm256_add_ps(_mm256_loadu_ps(p + 8), high))
            } else {
                _mm256_storeu_ps(p, low)
                _mm256_storeu_ps(p + 8, high)
            }
        }
        store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
        store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
    }
}
#endif
