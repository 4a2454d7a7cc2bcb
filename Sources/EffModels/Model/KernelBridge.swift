import EffKernels
import Foundation

// The seam between models and the weight-format kernels (EffKernels): formats, rounding, packing, inference
// and work all go through this file.
// - A layer's `weights` are the values its format stands for (dequantized); `PackedWeights` turns them into the
//   kernels' `QuantizedMatrix` once (exactly: packing format-rounded values gives the same values back).
// - Inference runs `Kernels.matrixMatrix` on the packed weights (the fast kernel for each format; int8-activation
//   formats quantize activations per block of 32 on the fly), then the activation with `Elementwise`.
// - Training (Training/) keeps its own single-threaded f32 loops: bit-for-bit reproducible whatever the thread
//   count or instruction set; QAT rounds weights with the kernels' quantizer (`roundTrip`).
// - Work per layer is `Kernels.work` for the product plus the activation's count.

extension WeightFormat {
    /// The weights rounded to this format and expanded back to f32, through the kernels' quantizer.
    /// // weights: (rows, columns) row-major
    func roundTrip(_ weights: [Float], rows: Int, columns: Int) throws -> [Float] {
        if self == .f32 || self == .sparseCSR { return weights }
        return try pack(weights, rows: rows, columns: columns).dequantized().elements
    }

    /// The kernels' packed matrix for f32 weights (rows, columns).
    func pack(_ weights: [Float], rows: Int, columns: Int) throws -> QuantizedMatrix {
        do {
            let tensor = try Tensor(shape: [rows, columns], elements: weights)
            return try QuantizedMatrix(quantizing: tensor, format: self)
        } catch let error as KernelError {
            throw ModelsError(.model, "cannot store \(rows)×\(columns) weights as \(rawValue): \(error.description)")
        }
    }

    /// Packs weights that are already on this format's grid so that unpacking returns them unchanged.
    ///
    /// Ternary scales are absmean per block of 256: packing {−s, 0, +s} directly would give s·(nonzero share).
    /// Scaling each block by (weights / nonzeros) first makes the absmean s again while the codes stay ±1/0.
    func packExactly(_ weights: [Float], rows: Int, columns: Int) throws -> QuantizedMatrix {
        guard self == .ternary else { return try pack(weights, rows: rows, columns: columns) }
        var adjusted = weights
        for row in 0..<rows {
            var start = 0
            while start < columns {
                let range = (row * columns + start)..<(row * columns + min(start + blockSize, columns))
                let nonzeros = range.reduce(0) { $0 + (weights[$1] != 0 ? 1 : 0) }
                if nonzeros > 0 {
                    let factor = Float(range.count) / Float(nonzeros)
                    for index in range { adjusted[index] = weights[index] * factor }
                }
                start += blockSize
            }
        }
        return try pack(adjusted, rows: rows, columns: columns)
    }
}

/// A dense layer's weights packed for the kernels, built once on first use (thread-safe) and shared by copies
/// of the layer; a new, empty one replaces it whenever the weights or format change.
final class PackedWeights: @unchecked Sendable {
    private let lock = NSLock()
    private var matrix: QuantizedMatrix?

    func matrix(for layer: DenseLayer) throws -> QuantizedMatrix {
        lock.lock()
        defer { lock.unlock() }
        if let matrix { return matrix }
        let made = try layer.format.packExactly(layer.weights, rows: layer.outputCount, columns: layer.inputCount)
        matrix = made
        return made
    }
}

/// Computes one dense layer at inference on the kernels: activation(input·Wᵀ + b) in the layer's format.
/// // input (batch, inputCount) → (batch, outputCount)
func runDense(_ layer: DenseLayer, input: [Float], batch: Int) throws -> [Float] {
    let matrix = try layer.packed.matrix(for: layer)
    var output = [Float](repeating: 0, count: batch * layer.outputCount)
    do {
        try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer { y in
                if let bias = layer.bias {
                    try bias.withUnsafeBufferPointer { b in _ = try Kernels.matrixMatrix(matrix, x, batch: batch, bias: b, into: y) }
                } else {
                    _ = try Kernels.matrixMatrix(matrix, x, batch: batch, into: y)
                }
            }
        }
    } catch let error as KernelError {
        throw ModelsError(.model, "dense layer \(layer.outputCount)×\(layer.inputCount) (\(layer.format.rawValue)): \(error.description)")
    }
    output.withUnsafeMutableBufferPointer { values in
        switch layer.activation {
        case .none: break
        case .relu: Elementwise.relu(values)
        case .gelu: Elementwise.gelu(values)
        case .tanh: Elementwise.tanh(values)
        case .sigmoid: Elementwise.sigmoid(values)
        }
    }
    return output
}

// MARK: - Work per inference

extension DenseLayer {
    /// The arithmetic and memory traffic of running this layer on `batch` examples in its weight format:
    /// the kernels' count for the product (`Kernels.work`: weights read once per call, activations per example)
    /// plus the activation function's count (as `Elementwise` counts it).
    public func work(batch: Int = 1) -> Work {
        var work = Kernels.work(format: format, rows: outputCount, columns: inputCount, batch: batch, hasBias: bias != nil,
                                storedWeights: nonzeroWeightCount, weightBytes: weightBytes)
        work += activation.work(count: outputCount * max(batch, 0))
        return work
    }

    /// Bytes to store the weights (not the bias) in this layer's format: the packed matrix's size. // bytes
    public var weightBytes: Int {
        (try? packed.matrix(for: self).byteCount)
            ?? format.storageBytes(rows: outputCount, columns: inputCount, nonzeros: nonzeroWeightCount)
    }
}

extension Activation {
    /// The work of applying the activation to `count` values (the counts `Elementwise` reports).
    func work(count: Int) -> Work {
        let n = UInt64(count)
        var work = Work()
        switch self {
        case .none: break
        case .relu: work.add(.f32Compare, n)
        case .gelu:
            work.add(.f32Transcendental, n)
            work.add(.f32Multiply, 2 * n)
            work.add(.f32MultiplyAdd, n)
        case .tanh: work.add(.f32Transcendental, n)
        case .sigmoid:
            work.add(.f32Transcendental, n)
            work.add(.f32Add, n)
            work.add(.f32Divide, n)
        }
        return work
    }
}

extension LayerNormLayer {
    /// The work of normalizing `batch` examples: mean, variance, 1/√, scale and shift per feature.
    public func work(batch: Int = 1) -> Work {
        let examples = UInt64(max(batch, 0)), width = UInt64(featureCount)
        var work = Work()
        work.add(.f32Add, 3 * width * examples)          // sum for the mean, x − mean, + shift
        work.add(.f32MultiplyAdd, width * examples)      // sum of squares
        work.add(.f32Multiply, 2 * width * examples)     // × 1/σ, × gain
        work.add(.f32Divide, 2 * examples)               // √ and 1/σ
        work.activationBytesRead = width * 4 * examples + 8 * width
        work.activationBytesWritten = width * 4 * examples
        return work
    }
}

extension Model {
    /// The work of one inference call on `batch` examples, layer by layer (dropout does nothing at inference).
    public func layerWork(batch: Int = 1) -> [Work] {
        layers.map { layer in
            switch layer {
            case .dense(let dense): return dense.work(batch: batch)
            case .layerNorm(let norm): return norm.work(batch: batch)
            case .dropout: return Work()
            }
        }
    }

    /// The total work of one inference call on `batch` examples.
    public func work(batch: Int = 1) -> Work { layerWork(batch: batch).reduce(Work(), +) }
}
