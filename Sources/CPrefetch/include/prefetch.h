// Software prefetch for the kernels: Swift has no prefetch builtin and cannot import _mm_prefetch (a macro).
#ifndef EFF_PREFETCH_H
#define EFF_PREFETCH_H

/// Asks the CPU to bring the cache line at `address` into all cache levels (a hint: it never faults).
static inline __attribute__((always_inline)) void eff_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
