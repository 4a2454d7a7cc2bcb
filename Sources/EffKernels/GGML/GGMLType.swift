/// The tensor types of ggml (the library behind llama.cpp and the GGUF format), by their ids in GGUF files.
///
/// One row of facts per type in `traits`: its name, weights per block and bytes per block. eff runs the
/// types whose `isRunnable` is true with kernels that read the block layout in place (`GGMLMatrix`); the others
/// are known by name so an error can say which type a file uses.
///
/// Block layouts of the runnable quantized types (ggml's `block_q8_0`, `block_q4_0`, `block_q4_1`):
/// - `q8_0`: f16 scale d, then 32 int8 q; w = q·d (34 bytes per 32 weights).
/// - `q4_0`: f16 d, then 16 bytes; byte j holds weight j in its low nibble, weight j + 16 in its high; w = (q − 8)·d.
/// - `q4_1`: f16 d, f16 m, then 16 bytes as in q4_0; w = q·d + m (20 bytes per 32 weights).
public enum GGMLType: UInt32, CaseIterable, Sendable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39

    /// Facts about one type: weights per block, bytes per block, and whether eff has kernels for it.
    public struct Traits: Sendable {
        public let name: String
        public let blockSize: Int
        public let bytesPerBlock: Int
        public let isRunnable: Bool
    }

    /// The one table of type facts (sizes as in ggml's `type_traits`).
    public var traits: Traits {
        switch self {
        case .f32: return Traits(name: "F32", blockSize: 1, bytesPerBlock: 4, isRunnable: true)
        case .f16: return Traits(name: "F16", blockSize: 1, bytesPerBlock: 2, isRunnable: true)
        case .bf16: return Traits(name: "BF16", blockSize: 1, bytesPerBlock: 2, isRunnable: true)
        case .q8_0: return Traits(name: "Q8_0", blockSize: 32, bytesPerBlock: 34, isRunnable: true)
        case .q4_0: return Traits(name: "Q4_0", blockSize: 32, bytesPerBlock: 18, isRunnable: true)
        case .q4_1: return Traits(name: "Q4_1", blockSize: 32, bytesPerBlock: 20, isRunnable: true)
        case .q5_0: return Traits(name: "Q5_0", blockSize: 32, bytesPerBlock: 22, isRunnable: false)
        case .q5_1: return Traits(name: "Q5_1", blockSize: 32, bytesPerBlock: 24, isRunnable: false)
        case .q8_1: return Traits(name: "Q8_1", blockSize: 32, bytesPerBlock: 36, isRunnable: false)
        case .q2_K: return Traits(name: "Q2_K", blockSize: 256, bytesPerBlock: 84, isRunnable: false)
        case .q3_K: return Traits(name: "Q3_K", blockSize: 256, bytesPerBlock: 110, isRunnable: false)
        case .q4_K: return Traits(name: "Q4_K", blockSize: 256, bytesPerBlock: 144, isRunnable: false)
        case .q5_K: return Traits(name: "Q5_K", blockSize: 256, bytesPerBlock: 176, isRunnable: false)
        case .q6_K: return Traits(name: "Q6_K", blockSize: 256, bytesPerBlock: 210, isRunnable: false)
        case .q8_K: return Traits(name: "Q8_K", blockSize: 256, bytesPerBlock: 292, isRunnable: false)
        case .iq2_xxs: return Traits(name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66, isRunnable: false)
        case .iq2_xs: return Traits(name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74, isRunnable: false)
        case .iq3_xxs: return Traits(name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98, isRunnable: false)
        case .iq1_s: return Traits(name: "IQ1_S", blockSize: 256, bytesPerBlock: 50, isRunnable: false)
        case .iq4_nl: return Traits(name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18, isRunnable: false)
        case .iq3_s: return Traits(name: "IQ3_S", blockSize: 256, bytesPerBlock: 110, isRunnable: false)
        case .iq2_s: return Traits(name: "IQ2_S", blockSize: 256, bytesPerBlock: 82, isRunnable: false)
        case .iq4_xs: return Traits(name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136, isRunnable: false)
        case .i8: return Traits(name: "I8", blockSize: 1, bytesPerBlock: 1, isRunnable: false)
        case .i16: return Traits(name: "I16", blockSize: 1, bytesPerBlock: 2, isRunnable: false)
        case .i32: return Traits(name: "I32", blockSize: 1, bytesPerBlock: 4, isRunnable: false)
        case .i64: return Traits(name: "I64", blockSize: 1, bytesPerBlock: 8, isRunnable: false)
        case .f64: return Traits(name: "F64", blockSize: 1, bytesPerBlock: 8, isRunnable: false)
        case .iq1_m: return Traits(name: "IQ1_M", blockSize: 256, bytesPerBlock: 56, isRunnable: false)
        case .tq1_0: return Traits(name: "TQ1_0", blockSize: 256, bytesPerBlock: 54, isRunnable: false)
        case .tq2_0: return Traits(name: "TQ2_0", blockSize: 256, bytesPerBlock: 66, isRunnable: false)
        case .mxfp4: return Traits(name: "MXFP4", blockSize: 32, bytesPerBlock: 17, isRunnable: false)
        }
    }

    /// The type's name as ggml prints it (`Q4_1`).
    public var name: String { traits.name }

    /// Whether activations are quantized to int8 blocks of 32 (Q8_0-like) for the dot product, as ggml does.
    public var usesInt8Activations: Bool { self == .q8_0 || self == .q4_0 || self == .q4_1 }

    /// The runnable types' names, for messages.
    public static var runnableNames: [String] { allCases.filter { $0.traits.isRunnable }.map(\.name) }

    /// Bytes of a row of `columns` weights, or nil when `columns` is not a whole number of blocks or overflows.
    public func rowBytes(columns: Int) -> Int? {
        let traits = traits
        guard columns >= 0, columns % traits.blockSize == 0 else { return nil }
        let (bytes, overflow) = (columns / traits.blockSize).multipliedReportingOverflow(by: traits.bytesPerBlock)
        return overflow ? nil : bytes
    }
}
