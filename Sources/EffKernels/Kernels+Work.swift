extension Kernels {
    /// The exact work of `matrixMatrix` (batch 1 = `matrixVector`) for these weights, from shapes and format.
    ///
    /// Counts follow the algorithm, the same on every instruction-set level (P = padded columns,
    /// B = P / 32 activation blocks, per row and batch item):
    /// - f32: P f32 multiply-adds. f16/bf16: P conversions + P multiply-adds.
    /// - int8 per row: P int8 multiply-adds; per block 1 conversion + 1 f32 multiply-add; 1 f32 multiply per row.
    /// - int8 block 32: P int8 multiply-adds; per block 2 conversions, 1 f32 multiply, 1 f32 multiply-add.
    /// - int4: as int8 block 32, plus per block 1 int32 multiply and 1 int32 add (the −8 offset).
    /// - ternary: P int8 multiply-adds; per block of 256 1 int32 add (offset), 2 conversions (weight scale,
    ///   block sum), 1 f32 multiply (weight × activation scale), 1 f32 multiply-add.
    /// - binary: P int8 multiply-adds (bit × code, summed exactly in integers); per row 1 conversion, 1 f32
    ///   multiply-add (2s·S − offset) and 1 f32 multiply (row scale). CSR: one f32 multiply-add per nonzero.
    ///   2:4: P/2 f32 multiply-adds.
    /// Int8-activation formats also quantize each batch item once: P compares, P multiplies, P conversions,
    /// P int32 adds (block sums) and 2 divides per activation block (32 values; 256 for ternary; the whole
    /// vector for binary, which also takes 1 conversion and 2 f32 multiplies per item for 2s and s·Σ codes).
    /// A bias adds `rows` f32 adds per item.
    /// Bytes: every weight byte (codes, scales, indices) once per call; x, bias read; y written.
    public static func work(_ weights: QuantizedMatrix, batch: Int, hasBias: Bool) -> Work {
        work(format: weights.format, rows: weights.rows, columns: weights.columns, batch: batch, hasBias: hasBias,
             storedWeights: weights.storedWeightCount, weightBytes: weights.byteCount)
    }

    /// The work for a format and shape without building the matrix (CSR needs `storedWeights`, the nonzero count).
    public static func work(format: WeightFormat, rows: Int, columns: Int, batch: Int, hasBias: Bool,
                            storedWeights: Int? = nil, weightBytes: Int) -> Work {
        let p = UInt64(WeightFormat.padded(columns, to: format.columnPadding))
        let r = UInt64(rows), n = UInt64(max(batch, 0))
        let blocks = p / 32
        var perItem = Work()
        switch format {
        case .f32:
            perItem.add(.f32MultiplyAdd, r * p)
        case .f16, .bf16:
            perItem.add(.convert, r * p)
            perItem.add(.f32MultiplyAdd, r * p)
        case .int8PerRow:
            perItem.add(.int8MultiplyAdd, r * p)
            perItem.add(.convert, r * blocks)
            perItem.add(.f32MultiplyAdd, r * blocks)
            perItem.add(.f32Multiply, r)
        case .int8Block32, .int4Block32:
            perItem.add(.int8MultiplyAdd, r * p)
            perItem.add(.convert, 2 * r * blocks)
            perItem.add(.f32Multiply, r * blocks)
            perItem.add(.f32MultiplyAdd, r * blocks)
            if format == .int4Block32 {
                perItem.add(.int32Multiply, r * blocks)
                perItem.add(.int32Add, r * blocks)
            }
        case .ternary:
            perItem.add(.int8MultiplyAdd, r * p)
            perItem.add(.int32Add, r * (p / 256))
            perItem.add(.convert, 2 * r * (p / 256))
            perItem.add(.f32Multiply, r * (p / 256))
            perItem.add(.f32MultiplyAdd, r * (p / 256))
        case .binary:
            perItem.add(.int8MultiplyAdd, r * p)
            perItem.add(.convert, r + (p > 0 ? 1 : 0))
            perItem.add(.f32MultiplyAdd, r)
            perItem.add(.f32Multiply, r + (p > 0 ? 2 : 0))
        case .sparseCSR:
            perItem.add(.f32MultiplyAdd, UInt64(storedWeights ?? rows * columns))
        case .sparse2of4:
            perItem.add(.f32MultiplyAdd, r * p / 2)
        }
        if format.usesInt8Activations {
            perItem.add(.f32Compare, p)
            perItem.add(.f32Multiply, p)
            perItem.add(.convert, p)
            perItem.add(.int32Add, p)
            perItem.add(.f32Divide, 2 * (p / UInt64(format.activationBlock(Int(p)))))
        }
        if hasBias { perItem.add(.f32Add, r) }
        var total = perItem.scaled(by: n)
        total.weightBytesRead = n > 0 ? UInt64(weightBytes) : 0
        total.activationBytesRead = n * UInt64(columns) * 4 + (hasBias && n > 0 ? r * 4 : 0)
        total.activationBytesWritten = n * r * 4
        return total
    }
}
