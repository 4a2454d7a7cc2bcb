import EffKernelsAVX2
#if arch(x86_64)
import EffKernelsAVX512
#endif

/// Computes output[r] = Σ_c W[r, c]·x[c] (no bias) for the rows in `rows`, for batch item `item`.
typealias RowKernel = (_ weights: QuantizedMatrix, _ activations: QuantizedActivations, _ item: Int,
                       _ rows: Range<Int>, _ output: UnsafeMutablePointer<Float>) -> Void

/// The dispatch table: one row kernel per (instruction-set level, weight format), built once from each level's
/// `RowKernelSet` (the portable loops; the AVX2 set, whose entries are intrinsics or the portable loops compiled
/// with AVX2 flags, as `WeightFormatTraits.avx2Kernel` says). AVX-512 has its own f32 kernel and reuses the AVX2 set for the rest, as ggml's backends
/// reuse the level below, so every (level, format) pair has an entry.
enum RowKernelTable {
    static func kernel(_ format: WeightFormat, _ level: InstructionSet) -> RowKernel {
        switch level {
        case .generic: return generic[format]!
        case .avx2:
            #if arch(x86_64)
            return avx2[format]!
            #else
            return generic[format]!
            #endif
        case .avx512:
            #if arch(x86_64)
            return format == .f32 ? avx512F32 : avx2[format]!
            #else
            return generic[format]!
            #endif
        }
    }

    private static let generic = kernels(PortableRowKernels.self)
    #if arch(x86_64)
    private static let avx2 = kernels(AVX2Kernels.self)
    /// The one format with its own AVX-512 kernel so far (512-bit FMA); the int8-activation formats' AVX-512 kernels
    /// (`vpdpbusd`) serve the ggml block types in `GGMLMatrix`.
    private static let avx512F32: RowKernel = { w, a, i, rows, out in
        AVX512Kernels.f32(weights: w.data.baseAddress.assumingMemoryBound(to: Float.self), rowStride: w.rowStride / 4,
                          columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
    }
    #endif

    /// A closure per format that unpacks the matrix and activations into the set's kernel for that format.
    private static func kernels<Set: RowKernelSet>(_: Set.Type) -> [WeightFormat: RowKernel] {
        Dictionary(uniqueKeysWithValues: WeightFormat.allCases.map { format -> (WeightFormat, RowKernel) in
            switch format {
            case .f32:
                return (format, { w, a, i, rows, out in
                    Set.f32(weights: w.data.baseAddress.assumingMemoryBound(to: Float.self), rowStride: w.rowStride / 4,
                            columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .f16:
                return (format, { w, a, i, rows, out in
                    Set.f16(weights: w.data.baseAddress.assumingMemoryBound(to: UInt16.self), rowStride: w.rowStride / 2,
                            columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .bf16:
                return (format, { w, a, i, rows, out in
                    Set.bf16(weights: w.data.baseAddress.assumingMemoryBound(to: UInt16.self), rowStride: w.rowStride / 2,
                             columns: w.paddedColumns, x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .int8PerRow:
                return (format, { w, a, i, rows, out in
                    Set.int8PerRow(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                   rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self), columns: w.paddedColumns,
                                   xCodes: a.codes(i), xScales: a.scales(i),
                                   rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .int8Block32:
                return (format, { w, a, i, rows, out in
                    Set.int8Block32(codes: w.data.baseAddress.assumingMemoryBound(to: Int8.self), rowStride: w.rowStride,
                                    scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                    xCodes: a.codes(i), xScales: a.scales(i),
                                    rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .int4Block32:
                return (format, { w, a, i, rows, out in
                    Set.int4Block32(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                    scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                    xCodes: a.groupedCodes(i), xScales: a.scales(i), xSums: a.sums(i),
                                    rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .ternary:
                return (format, { w, a, i, rows, out in
                    Set.ternary(codes: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                                scales: w.scales.baseAddress.assumingMemoryBound(to: UInt16.self), columns: w.paddedColumns,
                                xCodes: a.codes(i), xScales: a.scales(i), xSums: a.sums(i),
                                rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .binary:
                return (format, { w, a, i, rows, out in
                    Set.binary(bits: w.data.baseAddress.assumingMemoryBound(to: UInt8.self), rowStride: w.rowStride,
                               rowScales: w.scales.baseAddress.assumingMemoryBound(to: Float.self), columns: w.paddedColumns,
                               xCodes: a.codes(i), xScale: a.doubledScale(i), xOffset: a.offset(i),
                               rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .sparseCSR:
                return (format, { w, a, i, rows, out in
                    Set.sparseCSR(values: w.data.baseAddress.assumingMemoryBound(to: Float.self),
                                  columnIndices: w.indices.baseAddress.assumingMemoryBound(to: Int32.self),
                                  rowOffsets: w.rowOffsets.baseAddress.assumingMemoryBound(to: Int32.self), x: a.floats(i),
                                  rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            case .sparse2of4:
                return (format, { w, a, i, rows, out in
                    Set.sparse2of4(values: w.data.baseAddress.assumingMemoryBound(to: Float.self), rowStride: w.rowStride / 4,
                                   positions: w.indices.baseAddress.assumingMemoryBound(to: UInt8.self), columns: w.paddedColumns,
                                   x: a.floats(i), rowStart: rows.lowerBound, rowEnd: rows.upperBound, output: out)
                })
            }
        })
    }
}

/// The portable loops compiled for the baseline CPU form a complete set.
extension PortableRowKernels: RowKernelSet {}
