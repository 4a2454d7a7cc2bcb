/// A weight matrix (rows × columns) stored in one `WeightFormat`.
///
/// Made by quantizing an f32 matrix (`init(quantizing:format:)`) and turned back with `dequantized()`.
/// The buffers follow the layouts documented on `WeightFormat`:
///
///     let weights = try QuantizedMatrix(quantizing: w, format: .int4Block32)   // w: (rows, cols) f32
///     let restored = weights.dequantized()                                     // (rows, cols) f32
public struct QuantizedMatrix: Sendable {
    /// The storage format.
    public let format: WeightFormat
    /// Output dimension (rows of W).
    public let rows: Int
    /// Input dimension (columns of W) before padding.
    public let columns: Int
    /// Columns after padding to `format.columnPadding`.
    public let paddedColumns: Int
    /// Codes or values: (rows, rowStride bytes); for CSR the nonzero values (f32).
    let data: AlignedBuffer
    /// Bytes per row in `data` (0 for CSR).
    let rowStride: Int
    /// Scales: f32 per row (int8PerRow, binary) or f16 bits per block (int8Block32, int4Block32, ternary).
    let scales: AlignedBuffer
    /// CSR column indices (int32 per nonzero) or 2:4 positions (one byte per group of 4).
    let indices: AlignedBuffer
    /// CSR row offsets (int32, rows + 1 entries).
    let rowOffsets: AlignedBuffer

    /// Stored nonzero weights (CSR and 2:4); rows × columns for dense formats.
    public var storedWeightCount: Int {
        switch format {
        case .sparseCSR: return Int(rowOffsets.baseAddress.assumingMemoryBound(to: Int32.self)[rows])
        case .sparse2of4: return rows * paddedColumns / 2
        case .f32, .f16, .bf16, .int8PerRow, .int8Block32, .int4Block32, .ternary, .binary: return rows * columns
        }
    }

    /// Bytes a kernel reads to use every weight once: codes, scales, indices and offsets.
    public var byteCount: Int { data.byteCount + scales.byteCount + indices.byteCount + rowOffsets.byteCount }

    init(format: WeightFormat, rows: Int, columns: Int, paddedColumns: Int, data: AlignedBuffer, rowStride: Int,
         scales: AlignedBuffer, indices: AlignedBuffer, rowOffsets: AlignedBuffer) {
        self.format = format
        self.rows = rows
        self.columns = columns
        self.paddedColumns = paddedColumns
        self.data = data
        self.rowStride = rowStride
        self.scales = scales
        self.indices = indices
        self.rowOffsets = rowOffsets
    }

    /// Quantizes a 2-D f32 tensor (rows, columns) into `format`.
    public init(quantizing weights: Tensor, format: WeightFormat) throws {
        guard weights.shape.count == 2 else {
            throw KernelError.invalidArgument("quantize: weights must be 2-D (rows, columns), got shape \(weights.shape)")
        }
        self = try weights.withUnsafeBufferPointer { source in
            try Quantizer.quantize(source, rows: weights.shape[0], columns: weights.shape[1], format: format)
        }
    }

    /// Quantizes `rows` rows of `columns` f32 values (row-major) into `format`. // source: (rows, columns)
    public init(quantizing source: UnsafeBufferPointer<Float>, rows: Int, columns: Int, format: WeightFormat) throws {
        guard rows >= 0, columns >= 0, source.count == rows * columns else {
            throw KernelError.invalidArgument("quantize: \(source.count) values do not make a \(rows)×\(columns) matrix")
        }
        self = try Quantizer.quantize(source, rows: rows, columns: columns, format: format)
    }

    /// Row `row` as the f32 values it stands for, `columns` of them (no padding). // out: (columns)
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        guard paddedColumns != columns else { return Quantizer.decodeRow(self, row, into: out) }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: paddedColumns) { padded in
            Quantizer.decodeRow(self, row, into: padded.baseAddress!)
            out.update(from: padded.baseAddress!, count: columns)
        }
    }

    /// The f32 matrix (rows, columns) these weights stand for.
    public func dequantized() -> Tensor {
        // The shape was valid when the matrix was made, so this allocation cannot fail.
        var result = try! Tensor(shape: [rows, columns])
        result.withUnsafeMutableBufferPointer { Quantizer.dequantize(self, into: $0.baseAddress!) }
        return result
    }
}
