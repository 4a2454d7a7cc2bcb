#if canImport(EffNumerics)
import EffNumerics  // scripts/check-arm64.sh compiles this file with Sources/EffNumerics/HalfPrecision.swift instead
#endif

/// Row dot products for every weight format, written in portable Swift so the optimizer can vectorize them.
///
/// This one file is compiled twice: in EffKernels for the baseline CPU (SSE2 / NEON) and — through a symlink —
/// in EffKernelsAVX2 with AVX2 flags, where the same loops become 256-bit code. It uses only the standard
/// library (and EffNumerics' half conversion), raw pointers and explicit sizes (no generics that could be shared
/// across the two builds).
/// Each function computes `output[r] = Σ_c W[r, c]·x[c]` for r in rowStart..<rowEnd (no bias).
public enum PortableRowKernels {
    /// f32 weights (rows, rowStride floats) · f32 x (columns). Four rows share each x load.
    public static func f32(weights: UnsafePointer<Float>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        var r = rowStart
        while r + 4 <= rowEnd {
            let w0 = weights + r * rowStride, w1 = w0 + rowStride, w2 = w1 + rowStride, w3 = w2 + rowStride
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var c = 0
            while c + 8 <= columns {
                let v = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                a0 += UnsafeRawPointer(w0 + c).loadUnaligned(as: SIMD8<Float>.self) * v
                a1 += UnsafeRawPointer(w1 + c).loadUnaligned(as: SIMD8<Float>.self) * v
                a2 += UnsafeRawPointer(w2 + c).loadUnaligned(as: SIMD8<Float>.self) * v
                a3 += UnsafeRawPointer(w3 + c).loadUnaligned(as: SIMD8<Float>.self) * v
                c += 8
            }
            var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
            while c < columns { s0 += w0[c] * x[c]; s1 += w1[c] * x[c]; s2 += w2[c] * x[c]; s3 += w3[c] * x[c]; c += 1 }
            output[r] = s0; output[r + 1] = s1; output[r + 2] = s2; output[r + 3] = s3
            r += 4
        }
        while r < rowEnd {
            let w = weights + r * rowStride
            var a = SIMD8<Float>()
            var c = 0
            while c + 8 <= columns {
                a += UnsafeRawPointer(w + c).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                c += 8
            }
            var s = a.sum()
            while c < columns { s += w[c] * x[c]; c += 1 }
            output[r] = s
            r += 1
        }
    }

    /// bf16 weights (rows, rowStride halves) · f32 x: each weight widens by a 16-bit shift.
    public static func bf16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                            rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let w = weights + r * rowStride
            var a = SIMD8<Float>()
            var c = 0
            while c + 8 <= columns {
                let bits = SIMD8<UInt32>(truncatingIfNeeded: UnsafeRawPointer(w + c).loadUnaligned(as: SIMD8<UInt16>.self)) &<< 16
                a += unsafeBitCast(bits, to: SIMD8<Float>.self) * UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
                c += 8
            }
            var s = a.sum()
            while c < columns { s += Float(bitPattern: UInt32(w[c]) << 16) * x[c]; c += 1 }
            output[r] = s
        }
    }

    /// int8 weights with one f32 scale per row · int8 activations with one f32 scale per 32.
    /// `columns` is a multiple of 32.
    public static func int8PerRow(codes: UnsafePointer<Int8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                                  xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                                  rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let w = codes + r * rowStride
            var sum: Float = 0
            for b in 0..<columns / 32 { sum += xScales[b] * Float(dot32(w + 32 * b, xCodes + 32 * b)) }
            output[r] = sum * rowScales[r]
        }
    }

    /// int8 weights with one f16 scale per 32 (bits in `scales`, blocks per row = columns/32) · int8 activations.
    public static func int8Block32(codes: UnsafePointer<Int8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                                   xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>,
                                   rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        for r in rowStart..<rowEnd {
            let w = codes + r * rowStride
            var sum: Float = 0
            for b in 0..<blocks {
                sum += halfToFloat(scales[r * blocks + b]) * xScales[b] * Float(dot32(w + 32 * b, xCodes + 32 * b))
            }
            output[r] = sum
        }
    }

    /// int4 weights (value q − 8, f16 scale per 32; whole groups of 8 blocks in 128 bytes, the rest packed in
    /// pairs and an unpaired last block: see `Quantizer.int4Position`) · int8 activations in the matching grouped
    /// order (`PortableTileKernels.groupInt4`). `xSums[b]` is the sum of the int8 activation codes of block b.
    public static func int4Block32(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                                   xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                                   rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 32
        let grouped = blocks / 8 * 8, rest = blocks - grouped
        for r in rowStart..<rowEnd {
            let w = codes + r * rowStride
            var sum: Float = 0
            for b in 0..<blocks {
                var dot: Int32 = 0
                if b < grouped {
                    // Block k of the group: bytes 4k..4k+3 of each 32-byte vector v (low nibbles v < 4, high v ≥ 4).
                    let q = w + b / 8 * 128 + b % 8 * 4, a = xCodes + b / 8 * 256 + b % 8 * 4
                    for v in 0..<8 {
                        let shift = UInt8(v / 4 * 4)
                        for t in 0..<4 { dot &+= Int32((q[32 * (v % 4) + t] >> shift) & 15) &* Int32(a[32 * v + t]) }
                    }
                } else {
                    let a = xCodes + 32 * b, base = w + grouped * 16, i = b - grouped
                    if i / 2 * 2 + 1 < rest {
                        let q = base + 32 * (i / 2), shift = UInt8(4 * (i % 2))
                        for j in 0..<32 { dot &+= Int32((q[j] >> shift) & 15) &* Int32(a[j]) }
                    } else {
                        let q = base + 16 * i
                        for j in 0..<16 {
                            dot &+= Int32(q[j] & 15) &* Int32(a[j]) &+ Int32(q[j] >> 4) &* Int32(a[j + 16])
                        }
                    }
                }
                sum += halfToFloat(scales[r * blocks + b]) * xScales[b] * Float(dot &- 8 &* xSums[b])
            }
            output[r] = sum
        }
    }

    /// Ternary weights (2-bit codes 0/1/2 = −1/0/+1, 64 bytes per 256, f16 scale per 256) · int8 activations
    /// with one scale per 256: per block d_w·d_x·(Σ code·a − Σ a).
    public static func ternary(codes: UnsafePointer<UInt8>, rowStride: Int, scales: UnsafePointer<UInt16>, columns: Int,
                               xCodes: UnsafePointer<Int8>, xScales: UnsafePointer<Float>, xSums: UnsafePointer<Int32>,
                               rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 256
        for r in rowStart..<rowEnd {
            let w = codes + r * rowStride
            var sum: Float = 0
            for b in 0..<blocks {
                let q = w + 64 * b, a = xCodes + 256 * b
                var dot: Int32 = 0
                for part in 0..<4 {
                    let shift = UInt8(2 * part)
                    for j in 0..<64 { dot &+= Int32((q[j] >> shift) & 3) &* Int32(a[64 * part + j]) }
                }
                sum += halfToFloat(scales[r * blocks + b]) * xScales[b] * Float(dot &- xSums[b])
            }
            output[r] = sum
        }
    }

    /// Binary weights (bit planes per 256: byte j, bit k = weight 32k + j; f32 scale d per row) · int8 activations
    /// with one scale s per vector: y = d·(2s·S − s·Σ codes), S = Σ of the codes whose bit is set (an exact int32).
    /// `xScale` is 2s and `xOffset` is s·Σ codes (both per activation vector).
    public static func binary(bits: UnsafePointer<UInt8>, rowStride: Int, rowScales: UnsafePointer<Float>, columns: Int,
                              xCodes: UnsafePointer<Int8>, xScale: Float, xOffset: Float,
                              rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let blocks = columns / 256
        for r in rowStart..<rowEnd {
            let w = bits + r * rowStride
            var dot: Int32 = 0
            for b in 0..<blocks {
                let q = w + 32 * b, a = xCodes + 256 * b
                for k in 0..<8 {
                    let shift = UInt8(k)
                    for j in 0..<32 { dot &+= Int32((q[j] >> shift) & 1) &* Int32(a[32 * k + j]) }
                }
            }
            output[r] = (Float(dot) * xScale - xOffset) * rowScales[r]
        }
    }

    /// IEEE half weights (rows, rowStride halves) · f32 x (columns), one row at a time.
    public static func f16(weights: UnsafePointer<UInt16>, rowStride: Int, columns: Int, x: UnsafePointer<Float>,
                           rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            let row = weights + r * rowStride
            var sum: Float = 0
            for c in 0..<columns { sum += halfToFloat(row[c]) * x[c] }
            output[r] = sum
        }
    }

    /// CSR: one multiply-add per stored weight. // values, columnIndices (nonzeros); rowOffsets (rows + 1)
    public static func sparseCSR(values: UnsafePointer<Float>, columnIndices: UnsafePointer<Int32>,
                                 rowOffsets: UnsafePointer<Int32>, x: UnsafePointer<Float>,
                                 rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        for r in rowStart..<rowEnd {
            // Four partial sums (k mod 4) so that the adds do not wait on each other; added pairwise at the end.
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var k = Int(rowOffsets[r])
            let end = Int(rowOffsets[r + 1])
            while k + 4 <= end {
                s0 += values[k] * x[Int(columnIndices[k])]
                s1 += values[k + 1] * x[Int(columnIndices[k + 1])]
                s2 += values[k + 2] * x[Int(columnIndices[k + 2])]
                s3 += values[k + 3] * x[Int(columnIndices[k + 3])]
                k += 4
            }
            while k < end { s0 += values[k] * x[Int(columnIndices[k])]; k += 1 }
            output[r] = (s0 + s1) + (s2 + s3)
        }
    }

    /// 2:4: per group of 4 columns two values and their positions (bits 0–1 and 2–3 of one byte).
    /// // values (rows, rowStride floats); positions (rows, columns / 4)
    public static func sparse2of4(values: UnsafePointer<Float>, rowStride: Int, positions: UnsafePointer<UInt8>, columns: Int,
                                  x: UnsafePointer<Float>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>) {
        let groups = columns / 4
        for r in rowStart..<rowEnd {
            let row = values + r * rowStride
            let places = positions + r * groups
            // Four partial sums (one per kept weight of two groups) so that the adds do not wait on each other.
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var g = 0
            while g + 2 <= groups {
                let p = places[g], q = places[g + 1]
                s0 += row[2 * g] * x[4 * g + Int(p & 3)]
                s1 += row[2 * g + 1] * x[4 * g + Int(p >> 2 & 3)]
                s2 += row[2 * g + 2] * x[4 * g + 4 + Int(q & 3)]
                s3 += row[2 * g + 3] * x[4 * g + 4 + Int(q >> 2 & 3)]
                g += 2
            }
            if g < groups {
                s0 += row[2 * g] * x[4 * g + Int(places[g] & 3)]
                s1 += row[2 * g + 1] * x[4 * g + Int(places[g] >> 2 & 3)]
            }
            output[r] = (s0 + s1) + (s2 + s3)
        }
    }

    /// Σ w[j]·a[j] over 32 int8 pairs, exact in int32.
    @inline(__always)
    static func dot32(_ w: UnsafePointer<Int8>, _ a: UnsafePointer<Int8>) -> Int32 {
        var dot: Int32 = 0
        for j in 0..<32 { dot &+= Int32(w[j]) &* Int32(a[j]) }
        return dot
    }

    /// IEEE half bits → f32, exact: EffNumerics' conversion, inlined.
    @inline(__always)
    public static func halfToFloat(_ half: UInt16) -> Float { HalfPrecision.float(fromHalf: half) }
}
