import EffNumerics
#if arch(x86_64)
import EffKernelsAVX2
import EffKernelsAVX512
#endif

/// A matrix of a ggml tensor type, used where its bytes lie (a GGUF mapping): `rows` rows of `columns` weights,
/// row r at `data + r·rowBytes`. The caller keeps the memory alive while the matrix is used.
///
///     let w = try GGMLMatrix(type: .q4_1, data: pointer, rows: 1536, columns: 576)
///     try w.multiply(x, batch: 1, into: y)     // x (1, 576) → y (1, 1536)
public struct GGMLMatrix: @unchecked Sendable {
    public let type: GGMLType
    public let data: UnsafeRawPointer
    public let rows: Int
    public let columns: Int
    /// Bytes of one row.
    public let rowBytes: Int

    /// Describes a matrix; `type` must be runnable and `columns` a whole number of its blocks.
    public init(type: GGMLType, data: UnsafeRawPointer, rows: Int, columns: Int) throws {
        guard type.traits.isRunnable else {
            throw KernelError.invalidArgument("tensor type \(type.name) has no kernels in eff (runnable: \(GGMLType.runnableNames.joined(separator: ", ")))")
        }
        guard rows > 0, columns > 0, let rowBytes = type.rowBytes(columns: columns) else {
            throw KernelError.invalidArgument("a \(type.name) matrix needs positive sizes with columns a multiple of \(type.traits.blockSize), got \(rows)×\(columns)")
        }
        self.type = type
        self.data = data
        self.rows = rows
        self.columns = columns
        self.rowBytes = rowBytes
    }

    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }

    /// The storage format's name as users see it (`q4_1`, `f16`, …).
    public var formatName: String { type.name }

    /// Row `row` as f32 values (the exact values the weights stand for). // out: (columns)
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        let base = data + row * rowBytes
        switch type {
        case .f32: out.update(from: base.assumingMemoryBound(to: Float.self), count: columns)
        case .f16, .bf16:
            let bits = base.assumingMemoryBound(to: UInt16.self)
            for c in 0..<columns {
                out[c] = type == .f16 ? HalfPrecision.float(fromHalf: bits[c]) : HalfPrecision.float(fromBfloat: bits[c])
            }
        case .q8_0:
            for b in 0..<columns / 32 {
                let block = base + b * 34
                let d = GGMLRowKernels.half(block)
                for j in 0..<32 { out[b * 32 + j] = d * Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
            }
        case .q4_0, .q4_1:
            let size = type == .q4_0 ? 18 : 20
            for b in 0..<columns / 32 {
                let block = base + b * size
                let d = GGMLRowKernels.half(block)
                let m = type == .q4_1 ? GGMLRowKernels.half(block + 2) : -8 * d
                let nibbles = block + (size - 16)
                for j in 0..<16 {
                    let byte = nibbles.load(fromByteOffset: j, as: UInt8.self)
                    out[b * 32 + j] = Float(byte & 0x0F) * d + m
                    out[b * 32 + j + 16] = Float(byte >> 4) * d + m
                }
            }
        default:
            preconditionFailure("GGMLMatrix is only built for runnable types")
        }
    }

    /// y = x·Wᵀ for `batch` vectors: x (batch, columns) → y (batch, rows). Int8 block types quantize x per block
    /// of 32 first (as ggml does); rows are split across `KernelThreads` when the matrix is large enough.
    public func multiply(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>,
                         level: InstructionSet? = nil) throws {
        try Self.multiply([(self, y)], x, batch: batch, level: level)
    }

    /// y_i = x·W_iᵀ for several matrices of the same input (a block's q, k, v; its gate and up): the activations
    /// are quantized once and all the matrices' rows are split across the threads in one hand-off.
    /// x: (batch, columns); each y_i: (batch, rows_i). The matrices must have the same number of columns.
    public static func multiply(_ group: [(matrix: GGMLMatrix, output: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
                                batch: Int, level: InstructionSet? = nil) throws {
        guard let first = group.first?.matrix else { return }
        for (m, _) in group where m.columns != first.columns {
            throw KernelError.invalidArgument("multiply: a group's matrices must share their columns, got \(m.columns) and \(first.columns)")
        }
        if batch >= gemmBatch && level == nil {
            for (m, y) in group { try m.multiplyByGEMM(x, batch: batch, into: y) }
            return
        }
        let level = try level ?? KernelDispatch.current()
        let columns = first.columns, blocks = columns / 32
        var codes: [Int8] = []
        var scales: [Float] = []
        var sums: [Int32] = []
        if group.contains(where: { $0.matrix.type.usesInt8Activations }) {
            codes = [Int8](repeating: 0, count: batch * columns)
            scales = [Float](repeating: 0, count: batch * blocks)
            sums = [Int32](repeating: 0, count: batch * blocks)
            codes.withUnsafeMutableBufferPointer { c in
                scales.withUnsafeMutableBufferPointer { s in
                    sums.withUnsafeMutableBufferPointer { m in
                        #if arch(x86_64)
                        if level >= .avx2 {
                            AVX2Kernels.quantizeActivations(x, blocks: batch * blocks, size: 32, codes: c.baseAddress!,
                                                            scales: s.baseAddress!, sums: m.baseAddress!)
                            return
                        }
                        #endif
                        PortableTileKernels.quantizeActivations(x, blocks: batch * blocks, size: 32, codes: c.baseAddress!,
                                                                scales: s.baseAddress!, sums: m.baseAddress!)
                    }
                }
            }
        }
        // The matrices' rows laid end to end, each starting at a multiple of 16 so chunks split them at whole strides.
        var offsets: [Int] = []
        var total = 0
        for (m, _) in group {
            offsets.append(total)
            total += (m.rows + 15) / 16 * 16
        }
        let threads = KernelThreads.useful(for: group.reduce(0) { $0 + $1.matrix.byteCount } * batch, perThread: 64 * 1024)
        codes.withUnsafeBufferPointer { c in
            scales.withUnsafeBufferPointer { s in
                sums.withUnsafeBufferPointer { m in
                    KernelThreads.forEachChunk(total: total, granularity: 16, threads: threads) { chunk in
                        for (index, (matrix, y)) in group.enumerated() {
                            let lower = max(chunk.lowerBound - offsets[index], 0)
                            let upper = min(chunk.upperBound - offsets[index], matrix.rows)
                            if lower < upper {
                                matrix.rowsTimesVectors(lower..<upper, x: x, batch: batch, codes: c, scales: s, sums: m,
                                                        into: y, level: level)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rows `range` of y = x·Wᵀ for every vector, 16 rows at a time: rows outer, vectors inner, so a weight row is
    /// read from memory once and reused from cache for the batch.
    @inline(__always)
    private func rowsTimesVectors(_ range: Range<Int>, x: UnsafePointer<Float>, batch: Int, codes: UnsafeBufferPointer<Int8>,
                                  scales: UnsafeBufferPointer<Float>, sums: UnsafeBufferPointer<Int32>,
                                  into y: UnsafeMutablePointer<Float>, level: InstructionSet) {
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(start + 16, range.upperBound)
            var item = 0
            // Four vectors at a time where a kernel takes four (each weight block unpacked once).
            while item + 4 <= batch && fourVectorDots(item: item, codes: codes, scales: scales, sums: sums, rowStart: start,
                                                       rowEnd: end, output: y + item * rows, level: level) {
                item += 4
            }
            while item < batch {
                rowDots(item: item, x: x, codes: codes, scales: scales, sums: sums, rowStart: start, rowEnd: end,
                        output: y + item * rows, level: level)
                item += 1
            }
            start = end
        }
    }

    /// Rows rowStart..<rowEnd for vectors item…item+3 with a four-vector kernel; false where this type and level
    /// have none (the caller then takes the vectors one at a time).
    @inline(__always)
    private func fourVectorDots(item: Int, codes: UnsafeBufferPointer<Int8>, scales: UnsafeBufferPointer<Float>,
                                sums: UnsafeBufferPointer<Int32>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>,
                                level: InstructionSet) -> Bool {
        #if arch(x86_64)
        guard level >= .avx2 else { return false }
        let blocks = columns / 32
        let c = codes.baseAddress! + item * columns
        let s = scales.baseAddress! + item * blocks
        let m = sums.baseAddress! + item * blocks
        switch type {
        case .q8_0: AVX2Kernels.ggmlQ8_0x4(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s,
                                            rowStart: rowStart, rowEnd: rowEnd, output: output, outputStride: rows)
        case .q4_0: AVX2Kernels.ggmlQ4_0x4(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                            rowStart: rowStart, rowEnd: rowEnd, output: output, outputStride: rows)
        case .q4_1: AVX2Kernels.ggmlQ4_1x4(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                            rowStart: rowStart, rowEnd: rowEnd, output: output, outputStride: rows)
        default: return false
        }
        return true
        #else
        return false
        #endif
    }

    @inline(__always)
    private func rowDots(item: Int, x: UnsafePointer<Float>, codes: UnsafeBufferPointer<Int8>, scales: UnsafeBufferPointer<Float>,
                         sums: UnsafeBufferPointer<Int32>, rowStart: Int, rowEnd: Int, output: UnsafeMutablePointer<Float>,
                         level: InstructionSet) {
        let blocks = columns / 32
        let xFloat = x + item * columns
        switch type {
        case .f32:
            #if arch(x86_64)
            if level >= .avx512 {
                AVX512Kernels.f32(weights: data.assumingMemoryBound(to: Float.self), rowStride: columns, columns: columns, x: xFloat,
                                  rowStart: rowStart, rowEnd: rowEnd, output: output)
                return
            }
            if level >= .avx2 {
                AVX2Kernels.f32(weights: data.assumingMemoryBound(to: Float.self), rowStride: columns, columns: columns, x: xFloat,
                                rowStart: rowStart, rowEnd: rowEnd, output: output)
                return
            }
            #endif
            PortableRowKernels.f32(weights: data.assumingMemoryBound(to: Float.self), rowStride: columns, columns: columns, x: xFloat,
                                   rowStart: rowStart, rowEnd: rowEnd, output: output)
        case .f16, .bf16:
            #if arch(x86_64)
            if level >= .avx2 {
                let weights = data.assumingMemoryBound(to: UInt16.self)
                let kernel = type == .f16 ? AVX2Kernels.f16 : AVX2Kernels.bf16
                kernel(weights, columns, columns, xFloat, rowStart, rowEnd, output)
                return
            }
            #endif
            GGMLRowKernels.sixteenBit(rows: data, rowBytes: rowBytes, columns: columns, brain: type == .bf16, x: xFloat,
                                      rowStart: rowStart, rowEnd: rowEnd, output: output)
        case .q8_0, .q4_0, .q4_1:
            let c = codes.baseAddress! + item * columns
            let s = scales.baseAddress! + item * blocks
            let m = sums.baseAddress! + item * blocks
            #if arch(x86_64)
            if level >= .avx512 {
                switch type {
                case .q8_0: AVX512Kernels.ggmlQ8_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s,
                                                    rowStart: rowStart, rowEnd: rowEnd, output: output)
                case .q4_0: AVX512Kernels.ggmlQ4_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                                    rowStart: rowStart, rowEnd: rowEnd, output: output)
                default: AVX512Kernels.ggmlQ4_1(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                                 rowStart: rowStart, rowEnd: rowEnd, output: output)
                }
                return
            }
            if level >= .avx2 {
                switch type {
                case .q8_0: AVX2Kernels.ggmlQ8_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s,
                                                  rowStart: rowStart, rowEnd: rowEnd, output: output)
                case .q4_0: AVX2Kernels.ggmlQ4_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                                  rowStart: rowStart, rowEnd: rowEnd, output: output)
                default: AVX2Kernels.ggmlQ4_1(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                               rowStart: rowStart, rowEnd: rowEnd, output: output)
                }
                return
            }
            #endif
            switch type {
            case .q8_0: GGMLRowKernels.q8_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s,
                                            rowStart: rowStart, rowEnd: rowEnd, output: output)
            case .q4_0: GGMLRowKernels.q4_0(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                            rowStart: rowStart, rowEnd: rowEnd, output: output)
            default: GGMLRowKernels.q4_1(rows: data, rowBytes: rowBytes, blocks: blocks, xCodes: c, xScales: s, xSums: m,
                                         rowStart: rowStart, rowEnd: rowEnd, output: output)
            }
        default:
            preconditionFailure("GGMLMatrix is only built for runnable types")
        }
    }

    /// From this many vectors on, `multiply` dequantizes the weights to f32 (in slices of rows that stay in cache)
    /// and runs the blocked f32 GEMM: a prompt's tokens then share each weight read and use the FMA units fully,
    /// instead of one int8 dot product per row and token. Activations stay f32 on this path (no int8 rounding).
    public static let gemmBatch = 32

    /// y = x·Wᵀ through the f32 GEMM, a slice of weight rows at a time (≤ 2 MiB of f32, so it stays in cache).
    /// The slices are split across threads, each thread dequantizing its own and running a single-threaded GEMM
    /// on it: one hand-off per matrix instead of one per dequantize, pack and tile step. x: (batch, columns);
    /// y: (batch, rows).
    func multiplyByGEMM(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>) throws {
        let threads = KernelThreads.useful(for: batch * rows * columns, perThread: 1 << 20)
        let cacheRows = max(16, (2 << 20) / (columns * 4) / 16 * 16)
        let perThread = ((rows + threads - 1) / threads + 15) / 16 * 16
        let sliceRows = min(cacheRows, perThread)
        let slices = (rows + sliceRows - 1) / sliceRows
        let failure = FirstError()
        KernelThreads.forEachChunk(total: slices, granularity: 1, threads: threads) { chunk in
            let weights = UnsafeMutablePointer<Float>.allocate(capacity: sliceRows * columns)  // (sliceRows, columns)
            defer { weights.deallocate() }
            let output = UnsafeMutablePointer<Float>.allocate(capacity: batch * sliceRows)     // (batch, sliceRows)
            defer { output.deallocate() }
            for slice in chunk {
                let start = slice * sliceRows
                let count = min(sliceRows, rows - start)
                for r in 0..<count { dequantizeRow(start + r, into: weights + r * columns) }
                do {
                    // Inside a pool job this GEMM runs on this thread alone.
                    try Kernels.multiply(UnsafeBufferPointer(start: x, count: batch * columns),
                                         UnsafeBufferPointer(start: weights, count: count * columns),
                                         into: UnsafeMutableBufferPointer(start: output, count: batch * count),
                                         m: batch, n: count, k: columns, transposeB: .transposed)
                } catch {
                    failure.record(error)
                    return
                }
                for item in 0..<batch {
                    (y + item * rows + start).update(from: output + item * count, count: count)
                }
            }
        }
        try failure.rethrow()
    }

    /// The scalar reference twin: y = x·Wᵀ from dequantized rows and f32 activations, summed in f64.
    public func referenceMultiply(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>) {
        var row = [Float](repeating: 0, count: columns)
        row.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows {
                dequantizeRow(r, into: buffer.baseAddress!)
                for item in 0..<batch {
                    var total: Double = 0
                    for c in 0..<columns { total += Double(buffer[c]) * Double(x[item * columns + c]) }
                    y[item * rows + r] = Float(total)
                }
            }
        }
    }
}
