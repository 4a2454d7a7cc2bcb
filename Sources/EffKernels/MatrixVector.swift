/// Matrix-vector (batch 1) and matrix-matrix (batch N) products with quantized weights: y = W·x (+ b).
///
///     let w = try QuantizedMatrix(quantizing: weights, format: .int4Block32)     // (rows, cols)
///     var y = [Float](repeating: 0, count: w.rows)
///     let work = try x.withUnsafeBufferPointer { x in
///         try y.withUnsafeMutableBufferPointer { y in try Kernels.matrixVector(w, x, into: y) } }
public enum Kernels {
    /// y = W·x (+ bias): x has `weights.columns` floats, y and bias `weights.rows`. Returns the exact work done.
    @discardableResult
    public static func matrixVector(_ weights: QuantizedMatrix, _ x: UnsafeBufferPointer<Float>,
                                    bias: UnsafeBufferPointer<Float>? = nil,
                                    into y: UnsafeMutableBufferPointer<Float>) throws -> Work {
        try matrixMatrix(weights, x, batch: 1, bias: bias, into: y)
    }

    /// Y = X·Wᵀ (+ bias) for a batch: x is (batch, columns) row-major, y is (batch, rows) row-major.
    /// Weights are read in row tiles that stay in cache while every batch item uses them.
    @discardableResult
    public static func matrixMatrix(_ weights: QuantizedMatrix, _ x: UnsafeBufferPointer<Float>, batch: Int,
                                    bias: UnsafeBufferPointer<Float>? = nil,
                                    into y: UnsafeMutableBufferPointer<Float>) throws -> Work {
        let level = try KernelDispatch.current()
        guard batch >= 0 else { throw KernelError.invalidArgument("matrixMatrix: negative batch \(batch)") }
        guard x.count == batch * weights.columns else {
            throw KernelError.shapeMismatch(what: "matrixMatrix: x count vs batch × weight columns", expected: batch * weights.columns, actual: x.count)
        }
        guard y.count == batch * weights.rows else {
            throw KernelError.shapeMismatch(what: "matrixMatrix: y count vs batch × weight rows", expected: batch * weights.rows, actual: y.count)
        }
        if let bias, bias.count != weights.rows {
            throw KernelError.shapeMismatch(what: "matrixMatrix: bias count vs weight rows", expected: weights.rows, actual: bias.count)
        }
        let work = Kernels.work(weights, batch: batch, hasBias: bias != nil)
        guard batch > 0, weights.rows > 0, let xBase = x.baseAddress, let yBase = y.baseAddress else { return work }
        if weights.format == .f32 && batch > 1 {
            // Compute-bound: the blocked GEMM, Y (batch, rows) = X (batch, cols) · Wᵀ with W stored (rows, cols).
            let w = UnsafeBufferPointer(start: weights.data.baseAddress.assumingMemoryBound(to: Float.self), count: weights.rows * weights.columns)
            try multiply(x, w, into: y, m: batch, n: weights.rows, k: weights.columns, transposeB: .transposed)
            if let bias { for item in 0..<batch { for r in 0..<weights.rows { yBase[item * weights.rows + r] += bias[r] } } }
            return work
        }
        let activations = try QuantizedActivations(xBase, count: weights.columns, batch: batch, format: weights.format, level: level)
        let kernel = RowKernelTable.kernel(weights.format, level)
        // Row tiles of about 256 KiB of weights stay in L2 while all batch items pass over them.
        let bytesPerRow = max(1, weights.byteCount / max(weights.rows, 1))
        let tileRows = batch == 1 ? weights.rows : max(4, (256 << 10) / bytesPerRow / 4 * 4)
        // At least 256 KiB of weight traffic per extra thread.
        let threads = KernelThreads.useful(for: weights.byteCount * batch, perThread: 256 << 10)
        KernelThreads.forEachChunk(total: weights.rows, threads: threads) { chunk in
            var start = chunk.lowerBound
            while start < chunk.upperBound {
                let end = min(chunk.upperBound, start + tileRows)
                for item in 0..<batch {
                    let out = yBase + item * weights.rows
                    kernel(weights, activations, item, start..<end, out)
                    if let bias { for r in start..<end { out[r] += bias[r] } }
                }
                start = end
            }
        }
        return work
    }

    /// Tensor convenience: x of shape (columns) or (batch, columns) → y of shape (rows) or (batch, rows).
    public static func matrixMultiply(_ weights: QuantizedMatrix, _ x: Tensor, bias: Tensor? = nil) throws -> (output: Tensor, work: Work) {
        guard x.shape.count == 1 || x.shape.count == 2 else {
            throw KernelError.invalidArgument("matrixMultiply: x must be 1-D (columns) or 2-D (batch, columns), got shape \(x.shape)")
        }
        let batch = x.shape.count == 2 ? x.shape[0] : 1
        var y = try Tensor(shape: x.shape.count == 2 ? [batch, weights.rows] : [weights.rows])
        let work = try x.withUnsafeBufferPointer { xs in
            try y.withUnsafeMutableBufferPointer { ys in
                if let bias {
                    return try bias.withUnsafeBufferPointer { try matrixMatrix(weights, xs, batch: batch, bias: $0, into: ys) }
                }
                return try matrixMatrix(weights, xs, batch: batch, into: ys)
            }
        }
        return (y, work)
    }
}
