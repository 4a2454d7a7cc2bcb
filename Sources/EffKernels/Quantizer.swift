import EffNumerics
/// Conversion from f32 to each weight format and back (the layouts are documented on `WeightFormat`).
enum Quantizer {
    static func quantize(_ source: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
                         format: WeightFormat) throws -> QuantizedMatrix {
        let padded = WeightFormat.padded(columns, to: format.columnPadding)
        let what = "\(format.rawValue) weights \(rows)×\(columns)"
        _ = try AlignedBuffer.checkedByteCount([rows, padded], elementSize: 4, what: what)
        let empty = try AlignedBuffer(byteCount: 0)
        let blocks = format.blockSize > 1 ? padded / format.blockSize : 0
        let input = source.baseAddress
        func row(_ r: Int) -> UnsafeBufferPointer<Float> {
            UnsafeBufferPointer(start: input.map { $0 + r * columns }, count: columns)
        }
        func make(stride: Int, data: AlignedBuffer, scales: AlignedBuffer = empty, indices: AlignedBuffer = empty,
                  offsets: AlignedBuffer = empty) -> QuantizedMatrix {
            QuantizedMatrix(format: format, rows: rows, columns: columns, paddedColumns: padded, data: data,
                            rowStride: stride, scales: scales, indices: indices, rowOffsets: offsets)
        }
        switch format {
        case .f32, .f16, .bf16:
            let size = format == .f32 ? 4 : 2
            let data = try AlignedBuffer(byteCount: rows * padded * size, what: what)
            for r in 0..<rows {
                let values = row(r)
                let out = data.baseAddress + r * padded * size
                for c in 0..<columns {
                    if format == .f32 {
                        out.storeBytes(of: values[c], toByteOffset: c * 4, as: Float.self)
                    } else {
                        let bits = format == .f16 ? HalfPrecision.halfBits(values[c]) : HalfPrecision.bfloatBits(values[c])
                        out.storeBytes(of: bits, toByteOffset: c * 2, as: UInt16.self)
                    }
                }
            }
            return make(stride: padded * size, data: data)
        case .int8PerRow:
            let data = try AlignedBuffer(byteCount: rows * padded, what: what)
            let scales = try AlignedBuffer(byteCount: rows * 4, what: what)
            for r in 0..<rows {
                let values = row(r)
                let scale = values.reduce(Float(0)) { max($0, abs($1)) } / 127
                scales.baseAddress.storeBytes(of: scale, toByteOffset: r * 4, as: Float.self)
                let out = (data.baseAddress + r * padded).assumingMemoryBound(to: Int8.self)
                for c in 0..<columns { out[c] = roundedCode(values[c], scale: scale, limit: 127) }
            }
            return make(stride: padded, data: data, scales: scales)
        case .int8Block32, .int4Block32, .ternary:
            let stride = format == .int8Block32 ? padded : (format == .int4Block32 ? padded / 2 : padded / 4)
            let data = try AlignedBuffer(byteCount: rows * stride, what: what)
            let scales = try AlignedBuffer(byteCount: rows * blocks * 2, what: what)
            let blockSize = format.blockSize
            var block = [Float](repeating: 0, count: blockSize)
            for r in 0..<rows {
                let values = row(r)
                for b in 0..<blocks {
                    for j in 0..<blockSize { let c = b * blockSize + j; block[j] = c < columns ? values[c] : 0 }
                    let scaleValue: Float
                    if format == .ternary {  // mean absolute value (BitNet b1.58 "absmean")
                        scaleValue = block.reduce(Float(0)) { $0 + abs($1) } / Float(max(1, min(blockSize, columns - b * blockSize)))
                    } else {  // absmax over the code range: 127 for int8, 7 for int4
                        scaleValue = block.reduce(Float(0)) { max($0, abs($1)) } / (format == .int4Block32 ? 7 : 127)
                    }
                    let halfScale = HalfPrecision.halfBits(scaleValue)
                    scales.baseAddress.storeBytes(of: halfScale, toByteOffset: (r * blocks + b) * 2, as: UInt16.self)
                    let scale = HalfPrecision.float(fromHalf: halfScale)
                    let out = (data.baseAddress + r * stride).assumingMemoryBound(to: UInt8.self)
                    if format == .int8Block32 {
                        for j in 0..<32 { out[b * 32 + j] = UInt8(bitPattern: roundedCode(block[j], scale: scale, limit: 127)) }
                    } else if format == .int4Block32 {
                        for j in 0..<32 {
                            let q = UInt8(Int(roundedCode(block[j], scale: scale, limit: 7)) + 8)
                            let (byte, high) = int4Position(block: b, blocks: blocks, weight: j)
                            out[byte] |= high ? q << 4 : q
                        }
                    } else {  // ternary
                        for j in 0..<64 {
                            var byte: UInt8 = 0
                            for part in 0..<4 {
                                byte |= UInt8(Int(roundedCode(block[j + 64 * part], scale: scale, limit: 1)) + 1) << (2 * part)
                            }
                            out[b * 64 + j] = byte
                        }
                    }
                }
            }
            return make(stride: stride, data: data, scales: scales)
        case .binary:
            let stride = padded / 8
            let data = try AlignedBuffer(byteCount: rows * stride, what: what)
            let scales = try AlignedBuffer(byteCount: rows * 4, what: what)
            for r in 0..<rows {
                let values = row(r)
                let scale = columns == 0 ? 0 : values.reduce(Float(0)) { $0 + abs($1) } / Float(columns)
                scales.baseAddress.storeBytes(of: scale, toByteOffset: r * 4, as: Float.self)
                let out = (data.baseAddress + r * stride).assumingMemoryBound(to: UInt8.self)
                for c in 0..<columns where values[c] >= 0 {
                    let (byte, bit) = binaryPosition(c)
                    out[byte] |= 1 << bit
                }
            }
            return make(stride: stride, data: data, scales: scales)
        case .sparseCSR:
            var nonzeros = 0
            for r in 0..<rows { for value in row(r) where value != 0 { nonzeros += 1 } }
            let values = try AlignedBuffer(byteCount: nonzeros * 4, what: what)
            let columnIndices = try AlignedBuffer(byteCount: nonzeros * 4, what: what)
            let offsets = try AlignedBuffer(byteCount: (rows + 1) * 4, what: what)
            guard columns <= Int(Int32.max), nonzeros <= Int(Int32.max) else {
                throw KernelError.sizeTooLarge(what: what + " (int32 CSR indices)", bytes: nonzeros * 8, limit: Int(Int32.max))
            }
            var next = 0
            let valueOut = values.baseAddress.assumingMemoryBound(to: Float.self)
            let indexOut = columnIndices.baseAddress.assumingMemoryBound(to: Int32.self)
            let offsetOut = offsets.baseAddress.assumingMemoryBound(to: Int32.self)
            for r in 0..<rows {
                offsetOut[r] = Int32(next)
                for (c, value) in row(r).enumerated() where value != 0 {
                    valueOut[next] = value
                    indexOut[next] = Int32(c)
                    next += 1
                }
            }
            offsetOut[rows] = Int32(next)
            return make(stride: 0, data: values, indices: columnIndices, offsets: offsets)
        case .sparse2of4:
            let groups = padded / 4
            let values = try AlignedBuffer(byteCount: rows * groups * 8, what: what)
            let positions = try AlignedBuffer(byteCount: rows * groups, what: what)
            let valueOut = values.baseAddress.assumingMemoryBound(to: Float.self)
            let positionOut = positions.baseAddress.assumingMemoryBound(to: UInt8.self)
            for r in 0..<rows {
                let source = row(r)
                for g in 0..<groups {
                    var group = [Float](repeating: 0, count: 4)
                    for j in 0..<4 where g * 4 + j < columns { group[j] = source[g * 4 + j] }
                    // Keep the two largest magnitudes, in column order (ties keep the earlier column).
                    let order = (0..<4).sorted { abs(group[$0]) > abs(group[$1]) || (abs(group[$0]) == abs(group[$1]) && $0 < $1) }
                    let kept = [order[0], order[1]].sorted()
                    let index = r * groups + g
                    valueOut[2 * index] = group[kept[0]]
                    valueOut[2 * index + 1] = group[kept[1]]
                    positionOut[index] = UInt8(kept[0] | kept[1] << 2)
                }
            }
            return make(stride: groups * 8, data: values, indices: positions)
        }
    }

    /// Where weight `weight` (0..<32) of int4 block `block` lives: byte offset in the row and whether in the high
    /// nibble. Whole groups of 8 blocks take 128 bytes: weights 4v..4v+3 of block k (v = 0..<8) sit at bytes
    /// 32·(v mod 4) + 4k..+3, in the low nibble for v < 4 and the high one for v ≥ 4 (so each nibble vector of a
    /// 32-byte load holds 4 weights of every block of the group). The blocks after the last whole group are packed
    /// in pairs (byte j of the pair: low nibble = weight j of the even block, high = weight j of the odd block); an
    /// unpaired last block keeps ggml's order (byte j: weights j and j + 16).
    @inline(__always)
    static func int4Position(block: Int, blocks: Int, weight: Int) -> (byte: Int, high: Bool) {
        let grouped = blocks / 8 * 8
        if block < grouped {
            let v = weight / 4
            return (block / 8 * 128 + v % 4 * 32 + block % 8 * 4 + weight % 4, v >= 4)
        }
        let b = block - grouped, rest = blocks - grouped, base = grouped * 16
        if b / 2 * 2 + 1 < rest { return (base + b / 2 * 32 + weight, b % 2 == 1) }
        return (base + b * 16 + weight % 16, weight >= 16)
    }

    /// Where binary weight `column` lives: byte and bit (bit planes per 256: byte j, bit k = weight 32k + j).
    @inline(__always)
    static func binaryPosition(_ column: Int) -> (byte: Int, bit: Int) {
        let inBlock = column % 256
        return (column / 256 * 32 + inBlock % 32, inBlock / 32)
    }

    /// round(value / scale) clamped to ±limit (0 when the scale is 0).
    @inline(__always)
    static func roundedCode(_ value: Float, scale: Float, limit: Int) -> Int8 {
        guard scale > 0 else { return 0 }
        let code = (value / scale).rounded(.toNearestOrEven)
        return Int8(max(-Float(limit), min(Float(limit), code)))
    }

    /// Writes the f32 value of every weight, (rows, columns) row-major.
    static func dequantize(_ matrix: QuantizedMatrix, into output: UnsafeMutablePointer<Float>) {
        let columns = matrix.columns
        let row = UnsafeMutablePointer<Float>.allocate(capacity: max(matrix.paddedColumns, 1))
        defer { row.deallocate() }
        for r in 0..<matrix.rows {
            decodeRow(matrix, r, into: row)
            (output + r * columns).update(from: row, count: columns)
        }
    }

    /// The f32 values of one row, all `paddedColumns` of them (padding decodes to 0).
    static func decodeRow(_ matrix: QuantizedMatrix, _ r: Int, into out: UnsafeMutablePointer<Float>) {
        let padded = matrix.paddedColumns
        let base = matrix.data.baseAddress + r * matrix.rowStride
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let blocks = matrix.format.blockSize > 1 ? padded / matrix.format.blockSize : 0
        func blockScale(_ b: Int) -> Float {
            HalfPrecision.float(fromHalf: matrix.scales.baseAddress.load(fromByteOffset: (r * blocks + b) * 2, as: UInt16.self))
        }
        switch matrix.format {
        case .f32: out.update(from: base.assumingMemoryBound(to: Float.self), count: padded)
        case .f16: for c in 0..<padded { out[c] = HalfPrecision.float(fromHalf: base.load(fromByteOffset: 2 * c, as: UInt16.self)) }
        case .bf16: for c in 0..<padded { out[c] = HalfPrecision.float(fromBfloat: base.load(fromByteOffset: 2 * c, as: UInt16.self)) }
        case .int8PerRow:
            let scale = matrix.scales.baseAddress.load(fromByteOffset: r * 4, as: Float.self)
            for c in 0..<padded { out[c] = Float(Int8(bitPattern: bytes[c])) * scale }
        case .int8Block32:
            for b in 0..<blocks {
                let scale = blockScale(b)
                for j in 0..<32 { out[b * 32 + j] = Float(Int8(bitPattern: bytes[b * 32 + j])) * scale }
            }
        case .int4Block32:
            for b in 0..<blocks {
                let scale = blockScale(b)
                for j in 0..<32 {
                    let (byte, high) = int4Position(block: b, blocks: blocks, weight: j)
                    out[b * 32 + j] = Float(Int(high ? bytes[byte] >> 4 : bytes[byte] & 15) - 8) * scale
                }
            }
        case .ternary:
            for b in 0..<blocks {
                let scale = blockScale(b)
                for j in 0..<64 {
                    let byte = bytes[b * 64 + j]
                    for part in 0..<4 { out[b * 256 + j + 64 * part] = Float(Int(byte >> (2 * part) & 3) - 1) * scale }
                }
            }
        case .binary:
            let scale = matrix.scales.baseAddress.load(fromByteOffset: r * 4, as: Float.self)
            for c in 0..<padded {
                let (byte, bit) = binaryPosition(c)
                out[c] = (bytes[byte] >> bit) & 1 == 1 ? scale : -scale
            }
            for c in matrix.columns..<padded { out[c] = 0 }
        case .sparseCSR:
            out.update(repeating: 0, count: padded)
            let offsets = matrix.rowOffsets.baseAddress.assumingMemoryBound(to: Int32.self)
            let values = matrix.data.baseAddress.assumingMemoryBound(to: Float.self)
            let indices = matrix.indices.baseAddress.assumingMemoryBound(to: Int32.self)
            for k in Int(offsets[r])..<Int(offsets[r + 1]) { out[Int(indices[k])] = values[k] }
        case .sparse2of4:
            out.update(repeating: 0, count: padded)
            let groups = padded / 4
            let values = base.assumingMemoryBound(to: Float.self)
            let positions = matrix.indices.baseAddress.assumingMemoryBound(to: UInt8.self) + r * groups
            for g in 0..<groups {
                out[g * 4 + Int(positions[g] & 3)] = values[2 * g]
                out[g * 4 + Int(positions[g] >> 2 & 3)] = values[2 * g + 1]
            }
        }
    }
}
