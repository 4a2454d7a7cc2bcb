#if arch(x86_64)
import CIntrinsics
import _Builtin_intrinsics.intel

/// AVX2 integer kernels for the int8-activation formats: `vpmaddubsw` (u8 × s8 → s16 pairs) then
/// `vpmaddwd` with ones (→ s32) — the ggml x86 recipe — arranged for batch-1 GEMV:
///
/// - several rows per pass (4 for int8/int4, 2 for ternary/binary) share every activation load and keep several
///   weight streams in flight;
/// - one f32 vector accumulator per row, reduced once per row (no per-block horizontal sums);
/// - ternary and binary use one activation scale per 256, so the eight `vpmaddubsw` results of a block add up in
///   16-bit lanes (≤ 8·508 for ternary, ≤ 8·254 for binary) and cost one widen, one conversion and one FMA per
///   256 weights; int4 gets the same from its grouped layout (8 blocks side by side in every vector, so the 8 lanes
///   of one widen are 8 block sums, scaled by one FMA with 8 block scales);
/// - per-block weight × activation scales (int8_block32) are computed 8 at a time (`vcvtph2ps`) into a small
///   scratch buffer and broadcast from memory in the hot loop.
///
/// Products never saturate: activation codes are in [−127, 127] and weights are at most 127 (int8, via
/// abs/sign), 15 (int4 codes), 2 (ternary codes) or 1 (binary bits).
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

    /// 8 int32 lanes whose sum is Σ unsigned × signed byte products (pairs summed in 16 bits, then in 32).
    @inline(__always)
    static func dotUnsignedSigned(_ unsigned: __m256i, _ signed: __m256i) -> __m256i {
        _mm256_madd_epi16(_mm256_maddubs_epi16(unsigned, signed), _mm256_set1_epi16(1))
    }

    /// Signed int8 · signed int8 over 32 bytes: |w| · (a with w's sign).
    @inline(__always)
    static func dotSignedSigned(_ w: __m256i, _ a: __m256i) -> __m256i {
        dotUnsignedSigned(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w))
    }

    /// Writes scale[b] = f16 weight scale[b] × activation scale[b] for `blocks` blocks, 8 at a time, and returns
    /// Σ_b scale[b] · sums[b] (the offset term of unsigned codes; pass nil to skip it).
    @inline(__always)
    static func blockScales(_ weightScales: UnsafePointer<UInt16>, _ xScales: UnsafePointer<Float>, blocks: Int,
                            sums: UnsafePointer<Int32>?, into out: UnsafeMutablePointer<Float>) -> Float {
        var offset = _mm256_setzero_ps()
        var b = 0
        while b &+ 8 <= blocks {
            let s = _mm256_mul_ps(_mm256_cvtph_ps(load128(weightScales + b)), _mm256_loadu_ps(xScales + b))
            _mm256_storeu_ps(out + b, s)
            if let sums { offset = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(load256(sums + b)), offset) }
            b &+= 8
        }
        var rest: Float = 0
        if b &+ 4 <= blocks {  // 4 at a time (small rows: 1024 ternary columns are 4 blocks)
            let s = _mm_mul_ps(_mm_cvtph_ps(_mm_loadl_epi64(UnsafeRawPointer(weightScales + b).assumingMemoryBound(to: __m128i_u.self))),
                               _mm_loadu_ps(xScales + b))
            _mm_storeu_ps(out + b, s)
            if let sums {
                let t = _mm_mul_ps(s, _mm_cvtepi32_ps(load128(sums + b)))
                rest = t[0] + t[1] + t[2] + t[3]
            }
            b &+= 4
        }
        while b < blocks {
            let s = half(weightScales[b]) * xScales[b]
            out[b] = s
            if let sums { rest += s * Float(sums[b]) }
            b &+= 1
        }
        return sum(offset) + rest
    }

    /// Groups of up to four rows of rowStart..<rowEnd, as (r0, r1, r2, r3, count). Full groups take rows a quarter
    /// of the range apart (r, r + q, r + 2q, r + 3q), so the four weight streams each run through consecutive rows —
    /// four long sequential streams the hardware prefetcher follows, instead of four short ones that restart at every
    /// row (measured: 22 vs 13 GB/s for 2 KiB rows). The last rowCount % 4 rows form one short group whose missing
    /// rows repeat its first row (computed, not stored).
    struct RowGroups: Sequence, IteratorProtocol {
        let start: Int, end: Int, quarter: Int
        var index = 0, tail: Int
        init(_ start: Int, _ end: Int, spread: Bool = true) {
            self.start = start
            self.end = end
            quarter = spread ? Swift.max(0, end &- start) / 4 : 0
            tail = start &+ 4 &* quarter
        }
        mutating func next() -> (Int, Int, Int, Int, Int)? {
            if index < quarter {
                let r = start &+ index
                index &+= 1
                return (r, r &+ quarter, r &+ 2 &* quarter, r &+ 3 &* quarter, 4)
            }
            guard tail < end else { return nil }
            let r = tail, n = Swift.min(4, end &- tail)
            tail &+= n
            return (r, n > 1 ? r &+ 1 : r, n > 2 ? r &+ 2 : r, n > 3 ? r &+ 3 : r, n)
        }
    }

    /// How many rows ahead of each weight stream the int8_block32, ternary and binary kernels prefetch (`eff_prefetch`).
    /// Their four row streams (block-interleaved, and in a second stream per row the f16 scales) leave the hardware
    /// prefetchers behind: at 16384² the loads stalled on DRAM latency (ternary 10 → 17–20 GB/s, binary 6 → 14 GB/s
    /// with it). Not used by int8 (eight adjacent rows at 16384², four a quarter apart at 8192²) and int4, where it
    /// measured no better or slower (extra load-port work, and the hardware prefetchers already keep up).
    static let prefetchRows = 2

    /// Prefetches the cache line at byte `at` of each of four weight streams.
    @inline(__always)
    static func prefetch4(_ w0: UnsafeRawPointer, _ w1: UnsafeRawPointer, _ w2: UnsafeRawPointer, _ w3: UnsafeRawPointer,
                          _ at: Int) {
        eff_prefetch(w0 + at); eff_prefetch(w1 + at); eff_prefetch(w2 + at); eff_prefetch(w3 + at)
    }

    /// Prefetches the f16 scales of rows `prefetchRows` ahead in four streams of consecutive rows (`blocks` per row).
    @inline(__always)
    static func prefetchScales(_ scales: UnsafePointer<UInt16>, blocks: Int, _ r0: Int, _ r1: Int, _ r2: Int, _ r3: Int) {
        let bytes = 2 &* blocks, ahead = prefetchRows
        prefetchSpan(scales + (r0 &+ ahead) &* blocks, bytes: bytes); prefetchSpan(scales + (r1 &+ ahead) &* blocks, bytes: bytes)
        prefetchSpan(scales + (r2 &+ ahead) &* blocks, bytes: bytes); prefetchSpan(scales + (r3 &+ ahead) &* blocks, bytes: bytes)
    }

    // MARK: int8

    /// int8 weights, f32 scale per row · int8 activations (f32 scale per 32). Rows of 16 KiB or more: eight
    /// adjacent rows per pass (a 128 KiB contiguous region; measured at 16384²: 11.4 ms vs 12.6–13.1 ms with four
    /// rows a quarter apart); shorter rows, and the last rowCount % 8: four rows a quarter apart (`RowGroups`;
    /// at 8192²: 2.4–2.8 ms vs 2.7–3.0 ms with eight adjacent rows).
    public static func int8PerRow(codes: UnsafePointer<Int8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                                  xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        let x = UnsafeRawPointer(xCodes)
        var start = rowStart
        while rowStride >= 16384 && start &+ 8 <= rowEnd {
            let w0 = UnsafeRawPointer(codes + start &* rowStride)
            let w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride
            let w4 = w3 + rowStride, w5 = w4 + rowStride, w6 = w5 + rowStride, w7 = w6 + rowStride
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            var c4 = _mm256_setzero_ps(), c5 = _mm256_setzero_ps(), c6 = _mm256_setzero_ps(), c7 = _mm256_setzero_ps()
            for b in 0..<blocks {
                let o = 32 &* b
                let a = load256(x + o)
                let s = _mm256_set1_ps(xScales[b])
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w0 + o), a)), s, c0)
                c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w1 + o), a)), s, c1)
                c2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w2 + o), a)), s, c2)
                c3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w3 + o), a)), s, c3)
                c4 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w4 + o), a)), s, c4)
                c5 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w5 + o), a)), s, c5)
                c6 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w6 + o), a)), s, c6)
                c7 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w7 + o), a)), s, c7)
            }
            output[start] = sum(c0) * rowScales[start]
            output[start &+ 1] = sum(c1) * rowScales[start &+ 1]
            output[start &+ 2] = sum(c2) * rowScales[start &+ 2]
            output[start &+ 3] = sum(c3) * rowScales[start &+ 3]
            output[start &+ 4] = sum(c4) * rowScales[start &+ 4]
            output[start &+ 5] = sum(c5) * rowScales[start &+ 5]
            output[start &+ 6] = sum(c6) * rowScales[start &+ 6]
            output[start &+ 7] = sum(c7) * rowScales[start &+ 7]
            start &+= 8
        }
        let rowStart = start
        for (r0, r1, r2, r3, n) in RowGroups(rowStart, rowEnd) {
            let w0 = UnsafeRawPointer(codes + r0 &* rowStride), w1 = UnsafeRawPointer(codes + r1 &* rowStride)
            let w2 = UnsafeRawPointer(codes + r2 &* rowStride), w3 = UnsafeRawPointer(codes + r3 &* rowStride)
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            for b in 0..<blocks {
                let o = 32 &* b
                let a = load256(x + o)
                let s = _mm256_set1_ps(xScales[b])
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w0 + o), a)), s, c0)
                c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w1 + o), a)), s, c1)
                c2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w2 + o), a)), s, c2)
                c3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w3 + o), a)), s, c3)
            }
            output[r0] = sum(c0) * rowScales[r0]
            if n > 1 { output[r1] = sum(c1) * rowScales[r1] }
            if n > 2 { output[r2] = sum(c2) * rowScales[r2] }
            if n > 3 { output[r3] = sum(c3) * rowScales[r3] }
        }
    }

    /// int8 weights, f16 scale per 32 · int8 activations (f32 scale per 32). Four rows per pass.
    public static func int8Block32(codes: UnsafePointer<Int8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                                   xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                                   rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        let x = UnsafeRawPointer(xCodes)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 &* max(blocks, 1))
        defer { scratch.deallocate() }
        let s0 = scratch, s1 = scratch + blocks, s2 = s1 + blocks, s3 = s2 + blocks
        for (r0, r1, r2, r3, n) in RowGroups(rowStart, rowEnd) {
            let w0 = UnsafeRawPointer(codes + r0 &* rowStride), w1 = UnsafeRawPointer(codes + r1 &* rowStride)
            let w2 = UnsafeRawPointer(codes + r2 &* rowStride), w3 = UnsafeRawPointer(codes + r3 &* rowStride)
            _ = blockScales(scales + r0 &* blocks, xScales, blocks: blocks, sums: nil, into: s0)
            _ = blockScales(scales + r1 &* blocks, xScales, blocks: blocks, sums: nil, into: s1)
            _ = blockScales(scales + r2 &* blocks, xScales, blocks: blocks, sums: nil, into: s2)
            _ = blockScales(scales + r3 &* blocks, xScales, blocks: blocks, sums: nil, into: s3)
            prefetchScales(scales, blocks: blocks, r0, r1, r2, r3)
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            let ahead = prefetchRows &* rowStride  // bytes: the same position `prefetchRows` rows further in each stream
            for b in 0..<blocks {
                let o = 32 &* b
                prefetch4(w0, w1, w2, w3, ahead &+ o)
                let a = load256(x + o)
                c0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w0 + o), a)), _mm256_set1_ps(s0[b]), c0)
                c1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w1 + o), a)), _mm256_set1_ps(s1[b]), c1)
                c2 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w2 + o), a)), _mm256_set1_ps(s2[b]), c2)
                c3 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotSignedSigned(load256(w3 + o), a)), _mm256_set1_ps(s3[b]), c3)
            }
            output[r0] = sum(c0)
            if n > 1 { output[r1] = sum(c1) }
            if n > 2 { output[r2] = sum(c2) }
            if n > 3 { output[r3] = sum(c3) }
        }
    }

    // MARK: int4

    /// int4 weights (value q − 8, f16 scale per 32) · int8 activations, both in the grouped order of
    /// `Quantizer.int4Position` / `PortableTileKernels.groupInt4`: in a whole group of 8 blocks (128 bytes of codes)
    /// the low and high nibbles of the four 32-byte loads are 8 vectors that each hold 4 weights of every block, block
    /// k in bytes 4k..4k+3, and the activations come in the same order. So the 8 `vpmaddubsw` results of a group add
    /// up in 16-bit lanes (≤ 8·3810 = 30480, no saturation) with 16-bit lanes 2k, 2k+1 belonging to block k, and one
    /// `vpmaddwd` by 1 gives the 8 block sums in the 8 int32 lanes, in block order: per 256 weights and row one widen,
    /// one integer subtract (8·Σa, the −8 offset), one conversion and one FMA with the 8 block scales (`vcvtph2ps`
    /// of 8 f16 weight scales × 8 activation scales) — instead of one widen, conversion and FMA per 64 weights.
    /// Four rows per pass, a quarter of the range apart (`RowGroups`). The blocks after the last whole group (pairs
    /// of blocks in 32 bytes, an unpaired last one in 16) take one widen, conversion and FMA each.
    public static func int4(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                            xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        let groups = blocks / 8, grouped = 8 &* groups
        let x = UnsafeRawPointer(xCodes)
        let nibbles = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1)
        // 8·Σ codes per block: subtracted from each block's Σ q·a (an exact int32 subtraction).
        let offsets = UnsafeMutablePointer<Int32>.allocate(capacity: max(blocks, 1))
        defer { offsets.deallocate() }
        for b in 0..<blocks { offsets[b] = 8 &* xSums[b] }
        let o = UnsafeRawPointer(offsets)
        /// Block b ≥ grouped (pair layout after the groups; the unpaired last block in 16 bytes).
        @inline(__always) func tail(_ acc: inout __m256, _ w: UnsafeRawPointer, _ s: UnsafePointer<UInt16>, _ b: Int) {
            let i = b &- grouped, base = w + 128 &* groups
            let q: __m256i
            if i / 2 &* 2 &+ 1 < blocks &- grouped {
                let v = load256(base + 32 &* (i / 2))
                q = _mm256_and_si256(i & 1 == 0 ? v : _mm256_srli_epi16(v, 4), nibbles)
            } else {
                let packed = load128(base + 16 &* i)
                q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), nibbles)
            }
            let dots = _mm256_sub_epi32(dotUnsignedSigned(q, load256(x + 32 &* b)),
                                        _mm256_setr_epi32(offsets[b], 0, 0, 0, 0, 0, 0, 0))
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_set1_ps(half(s[b]) * xScales[b]), acc)
        }
        for (r0, r1, r2, r3, n) in RowGroups(rowStart, rowEnd) {
            let w0 = UnsafeRawPointer(codes + r0 &* rowStride), w1 = UnsafeRawPointer(codes + r1 &* rowStride)
            let w2 = UnsafeRawPointer(codes + r2 &* rowStride), w3 = UnsafeRawPointer(codes + r3 &* rowStride)
            let s0 = scales + r0 &* blocks, s1 = scales + r1 &* blocks, s2 = scales + r2 &* blocks, s3 = scales + r3 &* blocks
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            for g in 0..<groups {
                // Load v = 0..<4 of each row: low nibbles pair with activations 32v, high nibbles with 128 + 32v.
                let a = x + 256 &* g, wo = 128 &* g
                var t0 = _mm256_setzero_si256(), t1 = _mm256_setzero_si256(), t2 = _mm256_setzero_si256(), t3 = _mm256_setzero_si256()
                for v in 0..<4 {
                    let low = load256(a + 32 &* v), high = load256(a + (128 &+ 32 &* v)), at = wo &+ 32 &* v
                    @inline(__always) func add(_ t: inout __m256i, _ w: UnsafeRawPointer) {
                        let q = load256(w + at)
                        t = _mm256_add_epi16(t, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(q, nibbles), low),
                                                                  _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), nibbles), high)))
                    }
                    add(&t0, w0); add(&t1, w1); add(&t2, w2); add(&t3, w3)
                }
                let offset = load256(o + 32 &* g), xs = _mm256_loadu_ps(xScales + 8 &* g)
                @inline(__always) func finish(_ acc: inout __m256, _ t: __m256i, _ s: UnsafePointer<UInt16>) {
                    let dots = _mm256_sub_epi32(_mm256_madd_epi16(t, ones), offset)
                    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_mul_ps(_mm256_cvtph_ps(load128(s + 8 &* g)), xs), acc)
                }
                finish(&c0, t0, s0); finish(&c1, t1, s1); finish(&c2, t2, s2); finish(&c3, t3, s3)
            }
            for b in grouped..<blocks {
                tail(&c0, w0, s0, b); tail(&c1, w1, s1, b); tail(&c2, w2, s2, b); tail(&c3, w3, s3, b)
            }
            output[r0] = sum(c0)
            if n > 1 { output[r1] = sum(c1) }
            if n > 2 { output[r2] = sum(c2) }
            if n > 3 { output[r3] = sum(c3) }
        }
    }

    // MARK: ternary

    /// Ternary weights (2-bit codes 0/1/2, 64 bytes per 256, byte j = weights j, j+64, j+128, j+192), f16 scale
    /// per 256 · int8 activations with one scale per 256.
    ///
    /// Four rows per pass, a quarter of the range apart (see `RowGroups`). Per 32 bytes one shift: the codes at
    /// bits 0–1 and 4–5 are masked to c, those at bits 2–3 and 6–7 to 4c (maddubs pairs ≤ 2032), each factor in its
    /// own 16-bit accumulator; per block 4·Σ code·a = madd(4·t1 + t4, 1), one conversion and one FMA with the
    /// precomputed weight × activation scale / 4. The −1 offset is Σ_b scale_b·Σ a_b, subtracted once per row.
    public static func ternary(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                               xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                               rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 256
        let x = UnsafeRawPointer(xCodes)
        let lowPair = _mm256_set1_epi8(0x03), highPair = _mm256_set1_epi8(0x0C)
        let ones = _mm256_set1_epi16(1), quarter = _mm256_set1_ps(0.25)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 &* max(blocks, 1))
        defer { scratch.deallocate() }
        let s0 = scratch, s1 = scratch + blocks, s2 = s1 + blocks, s3 = s2 + blocks
        @inline(__always) func block(_ w: UnsafeRawPointer, _ b: Int) -> __m256 {
            let xb = x + 256 &* b
            let low = load256(w + 64 &* b), high = load256(w + (64 &* b &+ 32))
            let lowShifted = _mm256_srli_epi16(low, 4), highShifted = _mm256_srli_epi16(high, 4)
            // Weights 0–63 (bits 0–1), 64–127 (2–3), 128–191 (4–5), 192–255 (6–7); low = bytes 0–31, high 32–63.
            var t1 = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(low, lowPair), load256(xb)),
                                      _mm256_maddubs_epi16(_mm256_and_si256(high, lowPair), load256(xb + 32)))
            t1 = _mm256_add_epi16(t1, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(lowShifted, lowPair), load256(xb + 128)),
                                                       _mm256_maddubs_epi16(_mm256_and_si256(highShifted, lowPair), load256(xb + 160))))
            var t4 = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(low, highPair), load256(xb + 64)),
                                      _mm256_maddubs_epi16(_mm256_and_si256(high, highPair), load256(xb + 96)))
            t4 = _mm256_add_epi16(t4, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(lowShifted, highPair), load256(xb + 192)),
                                                       _mm256_maddubs_epi16(_mm256_and_si256(highShifted, highPair), load256(xb + 224))))
            // t1 ≤ 4·508, t4 ≤ 4·2032: 4·t1 + t4 ≤ 16256 fits in 16 bits.
            let four = _mm256_add_epi16(_mm256_slli_epi16(t1, 2), t4)
            return _mm256_cvtepi32_ps(_mm256_madd_epi16(four, ones))
        }
        for (r0, r1, r2, r3, n) in RowGroups(rowStart, rowEnd) {
            let w0 = UnsafeRawPointer(codes + r0 &* rowStride), w1 = UnsafeRawPointer(codes + r1 &* rowStride)
            let w2 = UnsafeRawPointer(codes + r2 &* rowStride), w3 = UnsafeRawPointer(codes + r3 &* rowStride)
            let o0 = blockScales(scales + r0 &* blocks, xScales, blocks: blocks, sums: xSums, into: s0)
            let o1 = blockScales(scales + r1 &* blocks, xScales, blocks: blocks, sums: xSums, into: s1)
            let o2 = blockScales(scales + r2 &* blocks, xScales, blocks: blocks, sums: xSums, into: s2)
            let o3 = blockScales(scales + r3 &* blocks, xScales, blocks: blocks, sums: xSums, into: s3)
            prefetchScales(scales, blocks: blocks, r0, r1, r2, r3)
            var c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps()
            let ahead = prefetchRows &* rowStride  // bytes: the same position `prefetchRows` rows further in each stream
            for b in 0..<blocks {
                prefetch4(w0, w1, w2, w3, ahead &+ 64 &* b)
                c0 = _mm256_fmadd_ps(block(w0, b), _mm256_set1_ps(s0[b]), c0)
                c1 = _mm256_fmadd_ps(block(w1, b), _mm256_set1_ps(s1[b]), c1)
                c2 = _mm256_fmadd_ps(block(w2, b), _mm256_set1_ps(s2[b]), c2)
                c3 = _mm256_fmadd_ps(block(w3, b), _mm256_set1_ps(s3[b]), c3)
            }
            output[r0] = sum(_mm256_mul_ps(c0, quarter)) - o0
            if n > 1 { output[r1] = sum(_mm256_mul_ps(c1, quarter)) - o1 }
            if n > 2 { output[r2] = sum(_mm256_mul_ps(c2, quarter)) - o2 }
            if n > 3 { output[r3] = sum(_mm256_mul_ps(c3, quarter)) - o3 }
        }
    }

    // MARK: binary

    /// Binary weights (bit planes per 256: byte j, bit k = weight 32k + j; f32 scale d per row) · int8 activations
    /// with one scale s per vector: y = d·(2s·S − s·Σ codes), S = Σ codes whose bit is set.
    ///
    /// One row at a time (consecutive rows: one sequential weight stream). Per block of 256 only one shift: planes
    /// 0–3 are masked in place from v and planes 4–7 from v >> 4, giving bytes of 0 or 2^j (j = k mod 4), so
    /// maddubs yields 2^j·(pair sums) and each factor has its own 16-bit accumulator (two planes each, ≤ 8·2·254 per
    /// block, flushed to 32 bits every 8 blocks with madd by 8/2^j: 8·S, so the row total is divided by 8, exactly).
    public static func binary(bits: UnsafePointer<UInt8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                              xCodes: UnsafePointer<Int8>, xScale: Float, xOffset: Float,
                              rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 256
        let x = UnsafeRawPointer(xCodes)
        let nibble = _mm256_set1_epi8(0x0F)
        let bit0 = _mm256_set1_epi8(1), bit1 = _mm256_set1_epi8(2), bit2 = _mm256_set1_epi8(4), bit3 = _mm256_set1_epi8(8)
        let eight = _mm256_set1_epi16(8), four = _mm256_set1_epi16(4), two = _mm256_set1_epi16(2), one = _mm256_set1_epi16(1)
        for r in rowStart..<rowEnd {
            let w = UnsafeRawPointer(bits + r &* rowStride)
            let ahead = 4 &* prefetchRows &* rowStride  // one stream: 4·prefetchRows rows ahead (16 KiB at 16384 columns)
            var total = _mm256_setzero_si256()
            var start = 0
            while start < blocks {
                let end = min(blocks, start &+ 8)
                var t0 = _mm256_setzero_si256(), t1 = _mm256_setzero_si256()
                var t2 = _mm256_setzero_si256(), t3 = _mm256_setzero_si256()
                for b in start..<end {
                    let xb = x + 256 &* b
                    eff_prefetch(w + (ahead &+ 32 &* b))
                    let v = load256(w + 32 &* b)
                    let high = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble)
                    t0 = _mm256_add_epi16(t0, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, bit0), load256(xb)),
                                                               _mm256_maddubs_epi16(_mm256_and_si256(high, bit0), load256(xb + 128))))
                    t1 = _mm256_add_epi16(t1, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, bit1), load256(xb + 32)),
                                                               _mm256_maddubs_epi16(_mm256_and_si256(high, bit1), load256(xb + 160))))
                    t2 = _mm256_add_epi16(t2, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, bit2), load256(xb + 64)),
                                                               _mm256_maddubs_epi16(_mm256_and_si256(high, bit2), load256(xb + 192))))
                    t3 = _mm256_add_epi16(t3, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, bit3), load256(xb + 96)),
                                                               _mm256_maddubs_epi16(_mm256_and_si256(high, bit3), load256(xb + 224))))
                }
                total = _mm256_add_epi32(total, _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(t0, eight), _mm256_madd_epi16(t1, four)),
                                                                 _mm256_add_epi32(_mm256_madd_epi16(t2, two), _mm256_madd_epi16(t3, one))))
                start = end
            }
            let dot = unsafeBitCast(total, to: SIMD8<Int32>.self).wrappedSum() >> 3  // exact: total = 8·S
            output[r] = (Float(dot) * xScale - xOffset) * rowScales[r]
        }
    }
}
#endif

#if arch(x86_64)
extension AVX2Kernels {
    /// Int8 activation quantization, bit-identical to the portable loop in EffKernels (`QuantizedActivations`):
    /// per block of `size` (a multiple of 32) d = max|x| / 127, code = round-half-even(x · (1/d)) via `vcvtps2dq`,
    /// Σ codes. Eight floats per step instead of one.
    public static func quantizeActivations(_ x: UnsafePointer<Float>, blocks: Int, size: Int, codes: UnsafeMutablePointer<Int8>,
                                           scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Int32>) {
        let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF))
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
        for b in 0..<blocks {
            let block = x + size &* b
            var largest = _mm256_setzero_ps()
            var j = 0
            while j < size {
                largest = _mm256_max_ps(largest, _mm256_and_ps(_mm256_loadu_ps(block + j), magnitude))
                j &+= 8
            }
            let scale = largest.max() / 127
            let inverse: Float = scale > 0 ? 1 / scale : 0
            let factor = _mm256_set1_ps(inverse)
            var total = _mm256_setzero_si256()
            j = 0
            while j < size {
                let q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(block + j), factor))
                let q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(block + (j &+ 8)), factor))
                let q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(block + (j &+ 16)), factor))
                let q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(block + (j &+ 24)), factor))
                total = _mm256_add_epi32(total, _mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)))
                // packs work per 128-bit lane: the bytes come out as 32-bit chunks q0 q1 q2 q3 | q0' q1' q2' q3'.
                let bytes = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3))
                _mm256_storeu_si256(UnsafeMutableRawPointer(codes + (size &* b &+ j)).assumingMemoryBound(to: __m256i_u.self),
                                    _mm256_permutevar8x32_epi32(bytes, order))
                j &+= 32
            }
            scales[b] = scale
            sums[b] = unsafeBitCast(total, to: SIMD8<Int32>.self).wrappedSum()
        }
    }
}
#endif
