import EffKernels
import Foundation

// The seam between models and the weight-format kernels (EffKernels): formats, rounding, packing, inference
// and work all go through this file.
// - A layer's `weights` are the values its format stands for (dequantized); `PackedWeights` turns them into the
//   kernels' `QuantizedMatrix` once (exactly: packing format-rounded values gives the same values back).
// - Inference (Layers/Dense.swift) runs `Kernels.matrixMatrix` on the packed weights (the fast kernel for each
//   format; int8-activation formats quantize activations per block on the fly), then the activation with `Elementwise`.
// - Training (Training/) keeps its own single-threaded f32 loops: bit-for-bit reproducible whatever the thread
//   count or instruction set; QAT rounds weights with the kernels' quantizer (`roundTrip`).
// - Work per layer is each layer's own count (Layers/); a dense layer's is `Kernels.work` for the product plus the
//   activation's count.

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

extension Model {
    /// The work of one inference call on `batch` examples, layer by layer (each layer's own count).
    public func layerWork(batch: Int = 1) -> [Work] { layers.map { $0.work(batch: batch) } }

    /// The total work of one inference call on `batch` examples.
    public func work(batch: Int = 1) -> Work { layerWork(batch: batch).reduce(Work(), +) }
}
