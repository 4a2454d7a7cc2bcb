/// Scalar reference twins of the SIMD kernels: the obvious loops in Double precision, for tests.
///
/// For formats whose fast path quantizes activations to int8, the twin uses the same activation codes
/// (the quantization is part of the format's definition), so kernel and twin differ only by rounding.
enum ReferenceKernels {
    /// y = W·x (+ bias) for a batch: x (batch, columns), result (batch, rows).
    static func matrixMatrix(_ weights: QuantizedMatrix, _ x: [Float], batch: Int, bias: [Float]? = nil) throws -> [Double] {
        var result = [Double](repeating: 0, count: batch * weights.rows)
        guard batch > 0, weights.rows > 0 else { return result }
        let activations = try x.withUnsafeBufferPointer { xs in
            try QuantizedActivations(xs.baseAddress!, count: weights.columns, batch: batch, format: weights.format)
        }
        var row = [Float](repeating: 0, count: weights.paddedColumns)
        for r in 0..<weights.rows {
            row.withUnsafeMutableBufferPointer { Quantizer.decodeRow(weights, r, into: $0.baseAddress!) }
            for item in 0..<batch {
                var sum = 0.0
                for c in 0..<weights.paddedColumns {
                    let value: Double
                    if weights.format.usesInt8Activations {
                        value = Double(activations.codes(item)[c]) * Double(activations.scales(item)[c / activations.block])
                    } else {
                        value = Double(activations.floats(item)[c])
                    }
                    sum += Double(row[c]) * value
                }
                result[item * weights.rows + r] = sum + Double(bias?[r] ?? 0)
            }
        }
        return result
    }

    /// C = op(A)·op(B) in Double with the same storage conventions as `Kernels.multiply`.
    static func multiply(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Transpose, transposeB: Transpose) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let left = transposeA == .none ? a[i * k + p] : a[p * m + i]
                    let right = transposeB == .none ? b[p * n + j] : b[j * k + p]
                    sum += Double(left) * Double(right)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    /// Layer normalization of each row in Double: (x − mean)/√(var + ε)·gain + bias. // x (rows, rowLength)
    static func layerNorm(_ x: [Float], rowLength: Int, gain: [Float]? = nil, bias: [Float]? = nil,
                          epsilon: Double = 1e-5) -> [Double] {
        var result = x.map(Double.init)
        for start in stride(from: 0, to: x.count, by: rowLength) {
            let row = result[start..<(start + rowLength)]
            let mean = row.reduce(0, +) / Double(rowLength)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rowLength)
            for i in 0..<rowLength {
                result[start + i] = (result[start + i] - mean) / (variance + epsilon).squareRoot()
                    * Double(gain?[i] ?? 1) + Double(bias?[i] ?? 0)
            }
        }
        return result
    }

    /// RMS normalization of each row in Double: x/√(mean(x²) + ε)·gain. // x (rows, rowLength)
    static func rmsNorm(_ x: [Float], rowLength: Int, gain: [Float]? = nil, epsilon: Double = 1e-5) -> [Double] {
        var result = x.map(Double.init)
        for start in stride(from: 0, to: x.count, by: rowLength) {
            let meanSquare = result[start..<(start + rowLength)].reduce(0) { $0 + $1 * $1 } / Double(rowLength)
            for i in 0..<rowLength {
                result[start + i] = result[start + i] / (meanSquare + epsilon).squareRoot() * Double(gain?[i] ?? 1)
            }
        }
        return result
    }
}
