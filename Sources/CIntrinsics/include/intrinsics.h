// The C helpers eff's kernels need because Swift cannot import them: `_mm_prefetch` and the VNNI dot products
// are macros in clang's headers, and Swift imports functions, not macros.
#ifndef EFF_INTRINSICS_H
#define EFF_INTRINSICS_H

/// Asks the CPU to bring the cache line at `address` into all cache levels (a hint: it never faults).
static inline __attribute__((always_inline)) void eff_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
#include <immintrin.h>

/// acc + Σ over each group of 4 bytes of unsigned a × signed b, in 8 int32 lanes (vpdpbusd, 256-bit): one
/// instruction for AVX2's vpmaddubsw + vpmaddwd, and without vpmaddubsw's 16-bit saturation.
static inline __attribute__((always_inline)) __m256i eff_dpbusd256(__m256i acc, __m256i a, __m256i b) {
    return _mm256_dpbusd_epi32(acc, a, b);
}
#endif

#endif
