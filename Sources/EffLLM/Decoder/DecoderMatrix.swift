import EffKernels

/// One weight matrix of the decoder: a ggml tensor (in place in the GGUF mapping, or in memory of its own after
/// re-quantizing to q8_0/q4_0/q4_1) or a matrix in one of eff's own formats (`QuantizedMatrix`: int8, int4,
/// ternary, binary, …). Every case offers the same few operations, so the decoder and the cost models do not
/// care which it is.
///
///     let w = DecoderMatrix.ggml(try GGMLMatrix(type: .q4_1, data: pointer, rows: 1536, columns: 576))
///     try w.multiply(x, batch: 1, into: y)     // x (1, 576) → y (1, 1536)
public enum DecoderMatrix: @unchecked Sendable {
    /// A ggml tensor; `storage` owns its bytes when they are not in a file mapping.
    case ggml(GGMLMatrix, storage: AlignedBuffer? = nil)
    /// A matrix in one of eff's formats.
    case eff(QuantizedMatrix)

    /// A re-quantized ggml matrix, keeping its storage alive.
    public init(_ owned: OwnedGGMLMatrix) { self = .ggml(owned.matrix, storage: owned.storage) }

    /// Output dimension.
    public var rows: Int {
        switch self {
        case .ggml(let m, _): return m.rows
        case .eff(let m): return m.rows
        }
    }

    /// Input dimension (before any padding a format adds).
    public var columns: Int {
        switch self {
        case .ggml(let m, _): return m.columns
        case .eff(let m): return m.columns
        }
    }

    /// Bytes a multiplication reads: blocks, codes and scales (padding included).
    public var byteCount: Int {
        switch self {
        case .ggml(let m, _): return m.byteCount
        case .eff(let m): return m.byteCount
        }
    }

    /// The storage format's name as users see it: ggml's (`Q4_1`, `Q8_0`, `F32`) or eff's (`int4`, `ternary`).
    public var formatName: String {
        switch self {
        case .ggml(let m, _): return m.formatName
        case .eff(let m): return m.format.rawValue
        }
    }

    /// Row `row` as f32 values (the exact values the weights stand for). // out: (columns)
    @inline(__always)
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .ggml(let m, _): m.dequantizeRow(row, into: out)
        case .eff(let m): m.dequantizeRow(row, into: out)
        }
    }

    /// The whole matrix as f32 values (rows, columns), rows dequantized on the kernel threads.
    public func dequantized() -> [Float] {
        let rows = self.rows, columns = self.columns
        var values = [Float](repeating: 0, count: rows * columns)
        values.withUnsafeMutableBufferPointer { v in
            let threads = KernelThreads.useful(for: rows * columns, perThread: 1 << 18)
            KernelThreads.forEachChunk(total: rows, granularity: 16, threads: threads) { chunk in
                for r in chunk { dequantizeRow(r, into: v.baseAddress! + r * columns) }
            }
        }
        return values
    }

    /// y_i = x·W_iᵀ for matrices that share their input (q, k, v; gate, up): ggml matrices go in one hand-off to the
    /// threads with the activations quantized once (`GGMLMatrix.multiply(_:_:batch:)`); others one by one.
    public static func multiply(_ group: [(matrix: DecoderMatrix, output: UnsafeMutablePointer<Float>)],
                                _ x: UnsafePointer<Float>, batch: Int) throws {
        var ggml: [(matrix: GGMLMatrix, output: UnsafeMutablePointer<Float>)] = []
        for (matrix, output) in group {
            if case .ggml(let m, _) = matrix { ggml.append((m, output)) } else { try matrix.multiply(x, batch: batch, into: output) }
        }
        try GGMLMatrix.multiply(ggml, x, batch: batch)
    }

    /// y = x·Wᵀ for `batch` vectors: x (batch, columns) → y (batch, rows). eff's formats pad x themselves
    /// (`Kernels.matrixMatrix` quantizes the activations into padded blocks).
    @inline(__always)
    public func multiply(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>) throws {
        switch self {
        case .ggml(let m, _):
            try m.multiply(x, batch: batch, into: y)
        case .eff(let m):
            try Kernels.matrixMatrix(m, UnsafeBufferPointer(start: x, count: batch * m.columns), batch: batch,
                                     into: UnsafeMutableBufferPointer(start: y, count: batch * m.rows))
        }
    }
}
