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

    /// Weights per block that share one scale (1 for unscaled formats; a whole row for per-row scales, shown as 0).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .sparseCSR: return 1
        case .int8PerRow, .binary: return 0
        case .int8Block32, .int4Block32: return 32
        case .ternary: return 256
        case .sparse2of4: return 4
        }
    }

    /// Columns are padded to a multiple of this (so kernels see whole blocks / whole 64-bit words).
    public var columnPadding: Int {
        switch self {
        case .f32, .f16, .bf16, .sparseCSR: return 1
        case .int8PerRow, .int8Block32, .int4Block32: return 32  // activations are quantized in blocks of 32
        case .ternary, .binary: return 256
        case .sparse2of4: return 4
        }
    }

    /// Activations per int8 scale for a vector of `paddedCount` (formats with int8 activations): 32 (Q8_0-like)
    /// for int8/int4, 256 (Q8_K-like) for ternary, whose kernel sums 256 products in 16-bit lanes per scale, and the
    /// whole vector for binary (one absmax scale per activation vector, as BitNet quantizes activations per token),
    /// whose kernel sums whole rows in integers and converts once per row.
    func activationBlock(_ paddedCount: Int) -> Int {
        switch self {
        case .ternary: return 256
        case .binary: return Swift.max(paddedCount, 256)
        default: return 32
        }
    }

    /// Bits per weight including block scales (per-row scales excluded: see `bitsPerWeight(columns:)`).
    /// For `sparseCSR` this is the cost per *stored* (nonzero) weight.
    public var bitsPerWeight: Double {
        switch self {
        case .f32: return 32
        case .f16, .bf16: return 16
        case .int8PerRow: return 8
        case .int8Block32: return 8 + 16.0 / 32
        case .int4Block32: return 4 + 16.0 / 32
        case .ternary: return 2 + 16.0 / 256
        case .binary: return 1
        case .sparseCSR: return 32 + 32
        case .sparse2of4: return (2 * 32 + 8) / 4
        }
    }

    /// Bits per weight for a row of `columns` weights, including per-row scales and padding (not CSR).
    public func bitsPerWeight(columns: Int) -> Double {
        guard columns > 0 else { return bitsPerWeight }
        let padded = Double(Self.padded(columns, to: columnPadding))
        switch self {
        case .int8PerRow, .binary: return (bitsPerWeight * padded + 32) / Double(columns)
        default: return bitsPerWeight * padded / Double(columns)
        }
    }

    /// Whether the fast kernel quantizes activations to int8 on the fly (per block of 32 like ggml Q8_0, of 256
    /// like Q8_K for ternary, per vector for binary).
    public var usesInt8Activations: Bool {
        switch self {
        case .int8PerRow, .int8Block32, .int4Block32, .ternary, .binary: return true
        default: return false
        }
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
