#if arch(x86_64)
import EffKernelsAVX2
#endif

/// Computes output[r] = Σ_c W[r, c]·x[c] (no bias) for the rows in `rows`, for batch item `item`.
typealias RowKernel = (_ weights: QuantizedMatrix, _ activations: QuantizedActivations, _ item: Int,
                       _ rows: Range<Int>, _ output: UnsafeMutablePointer<Float>) -> Void

/// The dispatch table: one row kernel per (instruction-set level, weight format), filled once.
///
/// A level without a specialised kernel for a format reuses the next level down (as ggml's backends do),
/// so every (level, format) pair has an entry.
enum RowKernelTable {
    static func kernel(_ format: WeightFormat, _ level: InstructionSet) -> RowKernel {
        switch level {
        case .generic: return generic(format)
        case .avx2, .avx512:
            #if arch(x86_64)
            return avx2(format) ?? generic(format)
            #else
            return generic(format)
            #endif
        }
    }

    private static func generic(_ format: WeightFormat) -> RowKernel {
        switch format {
        case .f32:
            return { w, a, i, rows, out in
                PortableRowKernels.f32(weights: w.data.baseAddress.assumingMemoryBound(to: Float.self), rowStride: w.rowStride / 4,
                                       columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .f16:
            return { w, a, i, rows, out in
                let x = a.floats(i)
                for r in rows {
                    let row = (w.data.baseAddress + r * w.rowStride).assumingMemoryBound(to: UInt16.self)
                    var sum: Float = 0
                    for c in 0..<w.paddedColumns { sum += PortableRowKernels.halfToFloat(row[c]) * x[c] }
                    out[r] = sum
                }
            }
        case .bf16:
            return { w, a, i, rows, out in
                PortableRowKernels.bf16(weights: w.data.baseAddress.assumingMemoryBound(to: UInt16.self), rowStride: w.rowStride / 2,
                                        columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int8PerRow:
            return { w, a, i, rows, out in
                PortableRowKernels.int8PerRow(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                              rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self), columns: a.paddedCount,
                                              xCodes: a.codes(i), xScales: a.scales(i),
                                              rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int8Block32:
            return { w, a, i, rows, out in
                PortableRowKernels.int8Block32(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                               scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                               xCodes: a.codes(i), xScales: a.scales(i),
                                               rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int4Block32:
            return { w, a, i, rows, out in
                PortableRowKernels.int4Block32(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                               scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                               xCodes: a.groupedCodes(i), xScales: a.scales(i), xSums: a.sums(i),
                                               rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .ternary:
            return { w, a, i, rows, out in
                PortableRowKernels.ternary(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                           scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                           xCodes: a.codes(i), xScales: a.scales(i), xSums: a.sums(i),
                                           rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .binary:
            return { w, a, i, rows, out in
                PortableRowKernels.binary(bits: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                          rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self), columns: w.paddedColumns,
                                          xCodes: a.codes(i), xScale: a.doubledScale(i), xOffset: a.offset(i),
                                          rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .sparseCSR:
            return { w, a, i, rows, out in
                let x = a.floats(i)
                let offsets = w.rowOffsets.baseAddress.assumingMemoryBound(to: Int32.self)
                let values = w.data.baseAddress.assumingMemoryBound(to: Float.self)
                let columns = w.indices.baseAddress.assumingMemoryBound(to: Int32.self)
                for r in rows {
                    var sum: Float = 0
                    for k in Int(offsets[r])..<Int(offsets[r + 1]) { sum += values[k] * x[Int(columns[k])] }
                    out[r] = sum
                }
            }
        case .sparse2of4:
            return { w, a, i, rows, out in
                let x = a.floats(i)
                let groups = w.paddedColumns / 4
                for r in rows {
                    let values = (w.data.baseAddress + r * w.rowStride).assumingMemoryBound(to: Float.self)
                    let positions = w.indices.baseAddress.assumingMemoryBound(to: UInt8.self) + r * groups
                    var sum: Float = 0
                    for g in 0..<groups {
                        let p = positions[g]
                        sum += values[2 * g] * x[4 * g + Int(p & 3)] + values[2 * g + 1] * x[4 * g + Int(p >> 2 & 3)]
                    }
                    out[r] = sum
                }
            }
        }
    }

    #if arch(x86_64)
    /// AVX2 entries: hand-written intrinsics for f32, f16, int8, int4, ternary and binary; the portable loops
    /// compiled with AVX2 flags for bf16; sparse formats fall back to the generic entries.
    private static func avx2(_ format: WeightFormat) -> RowKernel? {
        typealias Portable = EffKernelsAVX2.PortableRowKernels
        switch format {
        case .f32:
            return { w, a, i, rows, out in
                AVX2Kernels.f32(weights: w.data.baseAddress.assumingMemoryBound(to: Float.self), rowStride: w.rowStride / 4,
                                columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .f16:
            return { w, a, i, rows, out in
                AVX2Kernels.f16(weights: w.data.baseAddress.assumingMemoryBound(to: UInt16.self), rowStride: w.rowStride / 2,
                                columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .bf16:
            return { w, a, i, rows, out in
                Portable.bf16(weights: w.data.baseAddress.assumingMemoryBound(to: UInt16.self), rowStride: w.rowStride / 2,
                              columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int8PerRow:
            return { w, a, i, rows, out in
                AVX2Kernels.int8PerRow(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                       rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self),
                                       columns: w.paddedColumns, xCodes: a.codes(i), xScales: a.scales(i),
                                       rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int8Block32:
            return { w, a, i, rows, out in
                AVX2Kernels.int8Block32(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                        scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self),
                                        columns: w.paddedColumns, xCodes: a.codes(i), xScales: a.scales(i),
                                        rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .int4Block32:
            return { w, a, i, rows, out in
                AVX2Kernels.int4(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                 scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                 xCodes: a.groupedCodes(i), xScales: a.scales(i), xSums: a.sums(i),
                                 rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .ternary:
            return { w, a, i, rows, out in
                AVX2Kernels.ternary(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                    scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                    xCodes: a.codes(i), xScales: a.scales(i), xSums: a.sums(i),
                                    rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .binary:
            return { w, a, i, rows, out in
                AVX2Kernels.binary(bits: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                   rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self), columns: w.paddedColumns,
                                   xCodes: a.codes(i), xScale: a.doubledScale(i), xOffset: a.offset(i),
                                   rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
            }
        case .sparseCSR, .sparse2of4:
            return nil
        }
    }
    #endif
}
