extension Kernels {
    /// The exact work of `GGMLMatrix.multiply` for a (rows, columns) matrix of a runnable ggml type on `batch` vectors,
    /// counted from the algorithm as `work(format:…)` counts eff's formats (P = columns, B = P / 32 blocks, r = rows):
    ///
    /// - batch < `GGMLMatrix.gemmBatch`, the row kernels, per row and batch item:
    ///   - F32: P f32 multiply-adds. F16/BF16: P conversions + P f32 multiply-adds.
    ///   - Q8_0: as eff's `int8Block32` — P int8 multiply-adds; per block 2 conversions (d, the int32 dot),
    ///     1 f32 multiply (d·dx), 1 f32 multiply-add.
    ///   - Q4_0: as `int4Block32` — Q8_0's counts plus, per block, 1 int32 multiply and 1 int32 add (the −8·Σx offset).
    ///   - Q4_1: P int8 multiply-adds; per block 4 conversions (d, m, the dot, Σx), 2 f32 multiplies (d·dx, m·dx),
    ///     2 f32 multiply-adds.
    ///   The Q types first quantize each batch item to int8 blocks of 32 (as `work(format:…)` counts: P compares,
    ///   P multiplies, P conversions, P int32 adds, 2 divides per block).
    /// - batch ≥ `GGMLMatrix.gemmBatch`, dequantize + f32 GEMM: every weight is dequantized once per call
    ///   (`dequantizeWork`), then batch·r·P f32 multiply-adds; the dequantized f32 slices are written once and read once
    ///   (activation bytes; the GEMM's blocked re-reads hit cache and are not counted).
    ///
    /// Bytes: every weight byte once per call; x (batch, P) f32 read; y (batch, r) f32 written.
    public static func work(_ type: GGMLType, rows: Int, columns: Int, batch: Int) -> Work {
        let p = UInt64(columns), r = UInt64(rows), n = UInt64(max(batch, 0))
        let blocks = p / 32
        let weightBytes = UInt64(type.rowBytes(columns: columns) ?? 0) * r
        if batch >= GGMLMatrix.gemmBatch {
            var total = dequantizeWork(type, rows: rows, columns: columns)
            total.add(.f32MultiplyAdd, n * r * p)
            total.activationBytesWritten += n * r * 4  // (the f32 slices are written by dequantizeWork)
            total.activationBytesRead += r * p * 4 + n * p * 4
            return total
        }
        var total: Work
        switch type {
        case .q8_0:
            total = work(format: .int8Block32, rows: rows, columns: columns, batch: batch, hasBias: false, weightBytes: Int(weightBytes))
        case .q4_0:
            total = work(format: .int4Block32, rows: rows, columns: columns, batch: batch, hasBias: false, weightBytes: Int(weightBytes))
        case .q4_1:
            // The int8-block counts with Q4_1's per-block scale and offset terms in place of Q8_0's.
            var perItem = Work()
            perItem.add(.int8MultiplyAdd, r * p)
            perItem.add(.convert, 4 * r * blocks)
            perItem.add(.f32Multiply, 2 * r * blocks)
            perItem.add(.f32MultiplyAdd, 2 * r * blocks)
            perItem += activationQuantizationWork(columns: columns)
            total = perItem.scaled(by: n)
        case .f16, .bf16:
            total = work(format: type == .f16 ? .f16 : .bf16, rows: rows, columns: columns, batch: batch, hasBias: false,
                         weightBytes: Int(weightBytes))
        default:
            total = work(format: .f32, rows: rows, columns: columns, batch: batch, hasBias: false, weightBytes: Int(weightBytes))
        }
        total.weightBytesRead = n > 0 ? weightBytes : 0
        total.activationBytesRead = n * p * 4
        total.activationBytesWritten = n * r * 4
        return total
    }

    /// The work of dequantizing `rows` rows of `columns` weights to f32 (`GGMLMatrix.dequantizeRow`): F32 a copy (no
    /// arithmetic); F16/BF16 1 conversion per weight; Q8_0 per weight 1 conversion + 1 f32 multiply, per block 1
    /// conversion (d); Q4_0 per weight 1 conversion + 1 f32 multiply-add (q·d − 8d), per block 1 conversion + 1 f32
    /// multiply (−8·d); Q4_1 per weight 1 conversion + 1 f32 multiply-add (q·d + m), per block 2 conversions (d, m).
    /// Bytes: the rows' weight bytes read, (rows, columns) f32 written.
    public static func dequantizeWork(_ type: GGMLType, rows: Int, columns: Int) -> Work {
        let count = UInt64(rows) * UInt64(columns), blocks = UInt64(rows) * UInt64(columns / 32)
        var work = Work()
        switch type {
        case .f16, .bf16: work.add(.convert, count)
        case .q8_0:
            work.add(.convert, count + blocks)
            work.add(.f32Multiply, count)
        case .q4_0:
            work.add(.convert, count + blocks)
            work.add(.f32MultiplyAdd, count)
            work.add(.f32Multiply, blocks)
        case .q4_1:
            work.add(.convert, count + 2 * blocks)
            work.add(.f32MultiplyAdd, count)
        default: break
        }
        work.weightBytesRead = UInt64(type.rowBytes(columns: columns) ?? 0) * UInt64(rows)
        work.activationBytesWritten = count * 4
        return work
    }

    /// Quantizing one f32 vector of `columns` to int8 blocks of 32, as the Q kernels do per batch item: P compares
    /// (absmax), P multiplies, P conversions, P int32 adds (block sums), 2 divides per block (scale and its inverse).
    static func activationQuantizationWork(columns: Int) -> Work {
        let p = UInt64(columns)
        var work = Work()
        work.add(.f32Compare, p)
        work.add(.f32Multiply, p)
        work.add(.convert, p)
        work.add(.int32Add, p)
        work.add(.f32Divide, 2 * (p / 32))
        return work
    }
}
