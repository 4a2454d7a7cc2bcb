import EffNumerics

/// f32 rows to ggml block types, byte for byte as ggml's reference quantizers (`quantize_row_q8_0_ref`,
/// `quantize_row_q4_0_ref`, `quantize_row_q4_1_ref`) write them, so the result runs on `GGMLMatrix`'s kernels
/// and equals what `llama-quantize` would store from the same f32 values.
///
/// Per block of 32 weights x:
/// - `q8_0`: d = max|x| / 127; q = round(x / d) (halves away from zero); d stored as f16.
/// - `q4_0`: m = the x of largest magnitude (sign kept); d = m / −8; q = min(15, ⌊x / d + 8.5⌋).
/// - `q4_1`: d = (max x − min x) / 15, m = min x; q = min(15, ⌊(x − m) / d + 0.5⌋).
///
///     let owned = try GGMLQuantizer.quantize(values, rows: 64, columns: 128, type: .q4_0)
///     try owned.matrix.multiply(x, batch: 1, into: y)
public enum GGMLQuantizer {
    /// The types this quantizer writes (all of them runnable).
    public static let types: [GGMLType] = [.q8_0, .q4_0, .q4_1]

    /// Quantizes `rows` rows of `columns` f32 values (row-major, `columns` a multiple of 32) into aligned memory
    /// of its own. // source: (rows, columns)
    public static func quantize(_ source: UnsafePointer<Float>, rows: Int, columns: Int,
                                type: GGMLType) throws -> OwnedGGMLMatrix {
        guard types.contains(type) else {
            throw KernelError.invalidArgument("eff quantizes to \(types.map(\.name).joined(separator: ", ")), not \(type.name)")
        }
        guard rows > 0, columns > 0, let rowBytes = type.rowBytes(columns: columns) else {
            throw KernelError.invalidArgument("a \(type.name) matrix needs positive sizes with columns a multiple of \(type.traits.blockSize), got \(rows)×\(columns)")
        }
        let bytes = try AlignedBuffer.checkedByteCount([rows, rowBytes], elementSize: 1, what: "\(type.name) weights \(rows)×\(columns)")
        let storage = try AlignedBuffer(byteCount: bytes, what: "\(type.name) weights \(rows)×\(columns)")
        let threads = KernelThreads.useful(for: rows * columns * 4, perThread: 1 << 20)
        KernelThreads.forEachChunk(total: rows, granularity: 16, threads: threads) { chunk in
            for r in chunk { quantizeRow(source + r * columns, columns: columns, type: type, into: storage.baseAddress + r * rowBytes) }
        }
        let matrix = try GGMLMatrix(type: type, data: UnsafeRawPointer(storage.baseAddress), rows: rows, columns: columns)
        return OwnedGGMLMatrix(matrix: matrix, storage: storage)
    }

    /// One row of `columns` values (a multiple of 32) into `out` (`type.rowBytes(columns:)` bytes).
    public static func quantizeRow(_ x: UnsafePointer<Float>, columns: Int, type: GGMLType, into out: UnsafeMutableRawPointer) {
        let size = type.traits.bytesPerBlock
        for b in 0..<columns / 32 {
            let v = x + b * 32, block = out + b * size
            switch type {
            case .q8_0:
                var largest: Float = 0
                for j in 0..<32 { largest = max(largest, abs(v[j])) }
                let d = largest / 127, inverse: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: HalfPrecision.halfBits(d), as: UInt16.self)
                for j in 0..<32 {
                    let q = Self.finite(v[j] * inverse).rounded(.toNearestOrAwayFromZero)
                    block.storeBytes(of: Int8(max(-127, min(127, q))), toByteOffset: 2 + j, as: Int8.self)
                }
            case .q4_0:
                var largest: Float = 0, signed: Float = 0
                for j in 0..<32 where largest < abs(v[j]) { largest = abs(v[j]); signed = v[j] }
                let d = signed / -8, inverse: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: HalfPrecision.halfBits(d), as: UInt16.self)
                storeNibbles(v, block + 2) { Self.finite($0 * inverse) + 8.5 }
            case .q4_1:
                var low = Float.greatestFiniteMagnitude, high = -Float.greatestFiniteMagnitude
                for j in 0..<32 { low = min(low, v[j]); high = max(high, v[j]) }
                let d = (high - low) / 15, inverse: Float = d != 0 ? 1 / d : 0
                block.storeBytes(of: HalfPrecision.halfBits(d), as: UInt16.self)
                block.storeBytes(of: HalfPrecision.halfBits(low), toByteOffset: 2, as: UInt16.self)
                storeNibbles(v, block + 4) { Self.finite(($0 - low) * inverse) + 0.5 }
            default:
                preconditionFailure("GGMLQuantizer.quantizeRow: \(type.name) is not one of GGMLQuantizer.types")
            }
        }
    }

    /// 16 bytes of nibbles (byte j: weight j low, weight j + 16 high), each min(15, ⌊code(x)⌋) and ≥ 0.
    @inline(__always)
    private static func storeNibbles(_ v: UnsafePointer<Float>, _ out: UnsafeMutableRawPointer, code: (Float) -> Float) {
        func nibble(_ x: Float) -> UInt8 { UInt8(max(0, min(15, code(x).rounded(.towardZero)))) }
        for j in 0..<16 { out.storeBytes(of: nibble(v[j]) | nibble(v[j + 16]) << 4, toByteOffset: j, as: UInt8.self) }
    }

    /// NaN as 0 (a code must be a number; ±∞ saturates through the clamps).
    @inline(__always)
    private static func finite(_ x: Float) -> Float { x.isNaN ? 0 : x }
}

/// A `GGMLMatrix` in memory of its own (made by `GGMLQuantizer`): the storage lives as long as this value.
public struct OwnedGGMLMatrix: @unchecked Sendable {
    public let matrix: GGMLMatrix
    public let storage: AlignedBuffer
}
