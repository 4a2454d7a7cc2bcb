import Foundation

/// Elementwise and row-wise activation functions, in place on f32 buffers, each returning its exact Work.
///
/// Memory-light next to the matrix products, so one portable implementation serves every instruction set.
///
///     try Elementwise.softmax(&logits, rowLength: vocabulary)
public enum Elementwise {
    /// max(0, x): one compare per element.
    @discardableResult
    public static func relu(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        for i in x.indices { x[i] = max(0, x[i]) }
        return counted(x.count, [(.f32Compare, 1)])
    }

    /// x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (exact GELU): one erf, two multiplies, one multiply-add.
    @discardableResult
    public static func gelu(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        for i in x.indices { x[i] = 0.5 * x[i] * (1 + erf(x[i] * 0.70710678)) }
        return counted(x.count, [(.f32Transcendental, 1), (.f32Multiply, 2), (.f32MultiplyAdd, 1)])
    }

    /// x·σ(x): one exp, one add, one divide, one multiply.
    @discardableResult
    public static func silu(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        for i in x.indices { x[i] = x[i] / (1 + exp(-x[i])) }
        return counted(x.count, [(.f32Transcendental, 1), (.f32Add, 1), (.f32Divide, 1)])
    }

    /// tanh(x): one transcendental.
    @discardableResult
    public static func tanh(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        for i in x.indices { x[i] = Foundation.tanh(x[i]) }
        return counted(x.count, [(.f32Transcendental, 1)])
    }

    /// 1 / (1 + e^−x): one exp, one add, one divide.
    @discardableResult
    public static func sigmoid(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        for i in x.indices { x[i] = 1 / (1 + exp(-x[i])) }
        return counted(x.count, [(.f32Transcendental, 1), (.f32Add, 1), (.f32Divide, 1)])
    }

    /// Softmax over the whole buffer (max subtracted first for stability).
    @discardableResult
    public static func softmax(_ x: UnsafeMutableBufferPointer<Float>) -> Work {
        (try? softmax(x, rowLength: max(x.count, 1))) ?? Work()
    }

    /// Softmax of each row of `rowLength` elements: per element a compare, a subtract, an exp, an add, a multiply;
    /// one divide per row.
    @discardableResult
    public static func softmax(_ x: UnsafeMutableBufferPointer<Float>, rowLength: Int) throws -> Work {
        let rows = try rowCount(x.count, rowLength, "softmax")
        for r in 0..<rows {
            let row = UnsafeMutableBufferPointer(rebasing: x[r * rowLength..<(r + 1) * rowLength])
            let largest = row.max() ?? 0
            var sum: Float = 0
            for i in row.indices { row[i] = exp(row[i] - largest); sum += row[i] }
            let inverse = 1 / sum
            for i in row.indices { row[i] *= inverse }
        }
        var work = counted(x.count, [(.f32Compare, 1), (.f32Add, 2), (.f32Transcendental, 1), (.f32Multiply, 1)])
        work.add(.f32Divide, UInt64(rows))
        return work
    }

    /// Layer normalization of each row: (x − mean)/√(var + ε)·gain + bias (gain, bias: `rowLength` each, optional).
    @discardableResult
    public static func layerNorm(_ x: UnsafeMutableBufferPointer<Float>, rowLength: Int, gain: UnsafeBufferPointer<Float>? = nil,
                                 bias: UnsafeBufferPointer<Float>? = nil, epsilon: Float = 1e-5) throws -> Work {
        let rows = try rowCount(x.count, rowLength, "layerNorm")
        try checkParameter(gain, rowLength, "layerNorm gain")
        try checkParameter(bias, rowLength, "layerNorm bias")
        for r in 0..<rows {
            let row = UnsafeMutableBufferPointer(rebasing: x[r * rowLength..<(r + 1) * rowLength])
            var mean: Float = 0
            for value in row { mean += value }
            mean /= Float(rowLength)
            var variance: Float = 0
            for value in row { variance += (value - mean) * (value - mean) }
            let inverse = 1 / (variance / Float(rowLength) + epsilon).squareRoot()
            for i in row.indices {
                row[i] = (row[i] - mean) * inverse * (gain?[i] ?? 1) + (bias?[i] ?? 0)
            }
        }
        // Per element: sum (add), deviation (add + multiply-add), normalize (add, multiply, multiply-add).
        var work = counted(x.count, [(.f32Add, 3), (.f32MultiplyAdd, 2), (.f32Multiply, 1)])
        work.add(.f32Divide, UInt64(rows) * 4)  // mean, variance, square root, reciprocal
        work.add(.f32Add, UInt64(rows))          // + epsilon
        return work
    }

    /// RMS normalization of each row: x / √(mean(x²) + ε) · gain.
    @discardableResult
    public static func rmsNorm(_ x: UnsafeMutableBufferPointer<Float>, rowLength: Int, gain: UnsafeBufferPointer<Float>? = nil,
                               epsilon: Float = 1e-5) throws -> Work {
        let rows = try rowCount(x.count, rowLength, "rmsNorm")
        try checkParameter(gain, rowLength, "rmsNorm gain")
        for r in 0..<rows {
            let row = UnsafeMutableBufferPointer(rebasing: x[r * rowLength..<(r + 1) * rowLength])
            var squares: Float = 0
            for value in row { squares += value * value }
            let inverse = 1 / (squares / Float(rowLength) + epsilon).squareRoot()
            for i in row.indices { row[i] = row[i] * inverse * (gain?[i] ?? 1) }
        }
        var work = counted(x.count, [(.f32MultiplyAdd, 1), (.f32Multiply, 2)])
        work.add(.f32Divide, UInt64(rows) * 3)  // mean, square root, reciprocal
        work.add(.f32Add, UInt64(rows))
        return work
    }

    /// Index of the largest element (first on ties; −1 for an empty buffer) and its work.
    public static func argmax(_ x: UnsafeBufferPointer<Float>) -> (index: Int, work: Work) {
        var best = -1
        var largest = -Float.infinity
        for i in x.indices where best < 0 || x[i] > largest { best = i; largest = x[i] }
        return (best, counted(x.count, [(.f32Compare, 1)], written: 0) + Work(activationBytesWritten: 8))
    }

    private static func counted(_ count: Int, _ perElement: [(Operation, UInt64)], written: Int? = nil) -> Work {
        var work = Work(activationBytesRead: UInt64(count) * 4, activationBytesWritten: UInt64(written ?? count) * 4)
        for (operation, times) in perElement { work.add(operation, UInt64(count) * times) }
        return work
    }

    private static func rowCount(_ count: Int, _ rowLength: Int, _ what: String) throws -> Int {
        guard rowLength > 0, count % rowLength == 0 else {
            throw KernelError.invalidArgument("\(what): buffer of \(count) elements is not a whole number of rows of \(rowLength)")
        }
        return count / rowLength
    }

    private static func checkParameter(_ parameter: UnsafeBufferPointer<Float>?, _ rowLength: Int, _ what: String) throws {
        if let parameter, parameter.count != rowLength {
            throw KernelError.shapeMismatch(what: what, expected: rowLength, actual: parameter.count)
        }
    }
}
