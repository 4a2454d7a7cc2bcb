/// The weight formats eff stores and runs: the single list, with layout facts per format.
///
/// Layouts (every row padded with zeros to a whole number of blocks; buffers start 64-byte aligned):
/// - `f32`, `f16` (IEEE half), `bf16`: one value per weight.
/// - `int8PerRow`: int8 codes, one f32 scale per row; w = q·d, q ∈ [−127, 127].
/// - `int8Block32`: int8 codes, one f16 scale per 32 weights (like ggml Q8_0).
/// - `int4Block32`: one f16 scale per 32 weights; w = (q − 8)·d (ggml Q4_0 values), 16 bytes of codes per block.
///   Groups of 8 blocks (256 weights) take 128 bytes: weights 4v..4v+3 of block k (v = 0..<8) at bytes
///   32·(v mod 4) + 4k..+3, low nibble for v < 4, high for v ≥ 4 — so each nibble vector of a 256-bit load holds
///   4 weights of every block of the group and the kernel sums all 8 blocks in one vector (block k in 32-bit lane
///   k). The blocks after the last whole group are packed per pair, 64 weights in 32 bytes (byte j: low nibble =
///   weight j, high = weight j+32); an odd last block keeps 16 bytes (byte j: weights j, j+16).
/// - `ternary`: 2-bit codes 0/1/2 for −1/0/+1, 256 weights in 64 bytes (byte j holds weights j, j+64,
///   j+128, j+192 in bits 0–1, 2–3, 4–5, 6–7), one f16 scale per 256 (like ggml TQ2_0).
/// - `binary`: one sign bit per weight (1 → +d, 0 → −d), one f32 scale per row; 256 weights in 32 bytes as
///   bit planes (byte j, bit k = weight 32k + j of the block), so plane k of a 256-bit load lines up with
///   32 consecutive activations.
/// - `sparseCSR`: f32 values of the nonzero weights, int32 column index each, int32 row offsets.
/// - `sparse2of4`: in every group of 4 weights the 2 largest are kept: 2 f32 values + one byte
///   holding the two 2-bit positions.
public enum WeightFormat: String, CaseIterable, Sendable, Codable {
    case f32, f16, bf16
    case int8PerRow = "int8"
    case int8Block32 = "int8_block32"
    case int4Block32 = "int4"
    case ternary
    case binary
    case sparseCSR = "sparse_csr"
    case sparse2of4 = "sparse_2of4"

    /// This format's row of facts (the one switch that lists them).
    public var traits: WeightFormatTraits {
        switch self {
        case .f32:
            return WeightFormatTraits(blockSize: 1, columnPadding: 1, activations: .f32, bitsPerWeight: 32,
                                      rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .f16:
            return WeightFormatTraits(blockSize: 1, columnPadding: 1, activations: .f32, bitsPerWeight: 16,
                                      rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .bf16:
            return WeightFormatTraits(blockSize: 1, columnPadding: 1, activations: .f32, bitsPerWeight: 16,
                                      rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .int8PerRow:
            return WeightFormatTraits(blockSize: 0, columnPadding: 32, activations: .int8Blocks(32), bitsPerWeight: 8,
                                      rowScaleBits: 32, isSparse: false, avx2Kernel: .intrinsics)
        case .int8Block32:
            return WeightFormatTraits(blockSize: 32, columnPadding: 32, activations: .int8Blocks(32),
                                      bitsPerWeight: 8 + 16.0 / 32, rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .int4Block32:
            return WeightFormatTraits(blockSize: 32, columnPadding: 32, activations: .int8Blocks(32),
                                      bitsPerWeight: 4 + 16.0 / 32, rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .ternary:
            return WeightFormatTraits(blockSize: 256, columnPadding: 256, activations: .int8Blocks(256),
                                      bitsPerWeight: 2 + 16.0 / 256, rowScaleBits: 0, isSparse: false, avx2Kernel: .intrinsics)
        case .binary:
            return WeightFormatTraits(blockSize: 0, columnPadding: 256, activations: .int8PerVector, bitsPerWeight: 1,
                                      rowScaleBits: 32, isSparse: false, avx2Kernel: .intrinsics)
        case .sparseCSR:
            return WeightFormatTraits(blockSize: 1, columnPadding: 1, activations: .f32, bitsPerWeight: 32 + 32,
                                      rowScaleBits: 0, isSparse: true, avx2Kernel: .portable)
        case .sparse2of4:
            return WeightFormatTraits(blockSize: 4, columnPadding: 4, activations: .f32, bitsPerWeight: (2 * 32 + 8) / 4,
                                      rowScaleBits: 0, isSparse: true, avx2Kernel: .portable)
        }
    }

    /// Weights per block that share one scale (1 for unscaled formats; a whole row for per-row scales, shown as 0).
    public var blockSize: Int { traits.blockSize }

    /// Columns are padded to a multiple of this (so kernels see whole blocks / whole 64-bit words).
    public var columnPadding: Int { traits.columnPadding }

    /// Activations per int8 scale for a vector of `paddedCount` (formats with int8 activations): 32 (Q8_0-like)
    /// for int8/int4, 256 (Q8_K-like) for ternary, whose kernel sums 256 products in 16-bit lanes per scale, and the
    /// whole vector for binary (one absmax scale per activation vector, as BitNet quantizes activations per token),
    /// whose kernel sums whole rows in integers and converts once per row.
    func activationBlock(_ paddedCount: Int) -> Int {
        switch traits.activations {
        case .f32: return 32
        case .int8Blocks(let size): return size
        case .int8PerVector: return Swift.max(paddedCount, 256)
        }
    }

    /// Bits per weight including block scales (per-row scales excluded: see `bitsPerWeight(columns:)`).
    /// For `sparseCSR` this is the cost per *stored* (nonzero) weight.
    public var bitsPerWeight: Double { traits.bitsPerWeight }

    /// Bits per weight for a row of `columns` weights, including per-row scales and padding (not CSR).
    public func bitsPerWeight(columns: Int) -> Double {
        guard columns > 0 else { return bitsPerWeight }
        let traits = traits
        let padded = Double(Self.padded(columns, to: traits.columnPadding))
        return (traits.bitsPerWeight * padded + Double(traits.rowScaleBits)) / Double(columns)
    }

    /// Whether the fast kernel quantizes activations to int8 on the fly (per block of 32 like ggml Q8_0, of 256
    /// like Q8_K for ternary, per vector for binary).
    public var usesInt8Activations: Bool {
        if case .f32 = traits.activations { return false }
        return true
    }

    /// Weights per row after padding to whole kernel blocks.
    public func paddedColumns(_ columns: Int) -> Int { Self.padded(columns, to: columnPadding) }

    /// Whether the format stores only some weights (the rest are zero by construction).
    public var isSparse: Bool { traits.isSparse }

    /// Bytes to store a (rows, columns) matrix with `nonzeros` nonzero weights, from the bits per weight
    /// (CSR: f32 value and int32 column per nonzero, int32 row offsets). // bytes
    public func storageBytes(rows: Int, columns: Int, nonzeros: Int) -> Int {
        if self == .sparseCSR { return nonzeros * 8 + (rows + 1) * 4 }
        return Int((bitsPerWeight(columns: columns) * Double(rows * columns) / 8).rounded())
    }

    /// Looks a format up by its name (`f32`, `int4`, …), with a clear error listing the names.
    public static func named(_ name: String) throws -> WeightFormat {
        guard let format = WeightFormat(rawValue: name) else {
            throw KernelError.invalidArgument("unknown weight format '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return format
    }

    @inlinable
    static func padded(_ count: Int, to multiple: Int) -> Int { (count + multiple - 1) / multiple * multiple }
}

/// The activations a format's kernel takes.
public enum ActivationFormat: Sendable, Equatable {
    /// f32 values as they are.
    case f32
    /// int8 codes with one f32 scale per block of this many values (ggml's Q8_0 for 32, Q8_K for 256).
    case int8Blocks(Int)
    /// int8 codes with one scale for the whole vector (at least 256 values), as BitNet quantizes per token.
    case int8PerVector
}

/// One row of facts about a weight format, as ggml's `type_traits`: everything the quantizer, the kernels'
/// work counts, storage sizes, `eff bench --formats` and `summary` need to know, in one place.
public struct WeightFormatTraits: Sendable, Equatable {
    /// Where the AVX2 level's row kernel comes from.
    public enum AVX2Kernel: Sendable, Equatable {
        /// Hand-written AVX2/FMA intrinsics (EffKernelsAVX2).
        case intrinsics
        /// The portable loops, compiled a second time with AVX2 flags.
        case portable
    }

    /// Weights per block that share one scale (1 for unscaled formats; 0 for one scale per row).
    public let blockSize: Int
    /// Columns are padded with zeros to a multiple of this.
    public let columnPadding: Int
    /// The activations the kernel takes.
    public let activations: ActivationFormat
    /// Bits per weight including block scales, excluding per-row scales (CSR: per stored weight).
    public let bitsPerWeight: Double
    /// Bits of scale per row (32 for one f32 scale per row, else 0).
    public let rowScaleBits: Int
    /// Whether only some weights are stored (the rest are zero by construction).
    public let isSparse: Bool
    /// The kernel per instruction-set level: the portable one at `generic`; at AVX2 this one.
    public let avx2Kernel: AVX2Kernel
}
