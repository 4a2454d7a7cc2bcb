import EffKernels
import Foundation

/// Values a training forward pass keeps for the backward pass, one entry per layer.
struct ForwardCache {
    /// The input each layer received. // each (batch, layer input width)
    var inputs: [[Float]] = []
    /// Dense layers: pre-activation values z = x·Wᵀ + b. // (batch, outputs)
    var preActivations: [[Float]?] = []
    /// Dense layers: the weights the pass used (rounded to the QAT format when training quantized).
    var usedWeights: [[Float]?] = []
    /// Layernorm: normalized inputs x̂. // (batch, features)
    var normalized: [[Float]?] = []
    /// Layernorm: 1/√(variance + ε) per example. // (batch)
    var inverseDeviations: [[Float]?] = []
    /// Dropout: per-value multipliers (0 or 1/(1−rate)). // (batch, features)
    var dropoutMasks: [[Float]?] = []
}

/// How a forward pass runs: for inference, or for training (dropout on, optional fake quantization).
struct ForwardMode {
    var training: Bool
    /// Training with quantization: dense weights are rounded to this format in the forward pass.
    var quantizedFormat: WeightFormat?
}

extension Model {
    /// Class scores (before softmax) for `count` examples. // features (count, inputCount) → (count, outputCount)
    public func logits(_ features: [Float], count: Int) throws -> [Float] {
        let (expected, overflow) = count.multipliedReportingOverflow(by: inputCount)
        guard count >= 0, !overflow, features.count == expected else {
            throw ModelsError(.model, "model '\(name)' takes \(inputCount) features per example; got \(features.count) "
                + "values for \(count) examples")
        }
        var random = RandomGenerator(seed: 0)
        return try forward(features, batch: count, mode: ForwardMode(training: false), random: &random, cache: nil)
    }

    /// Predicted class index for each example. // features (count, inputCount)
    public func predict(_ features: [Float], count: Int) throws -> [Int] {
        let scores = try logits(features, count: count)
        let width = outputCount
        return (0..<count).map { row in argmax(scores, offset: row * width, count: width) }
    }

    /// Class probabilities (softmax of the logits) for `count` examples. // (count, outputCount)
    public func probabilities(_ features: [Float], count: Int) throws -> [Float] {
        let scores = try logits(features, count: count)
        let width = outputCount
        return (0..<count).flatMap { softmax(scores, offset: $0 * width, count: width, temperature: 1) }
    }

    /// Runs the layers on a batch; fills `cache` for training passes.
    func forward(_ input: [Float], batch: Int, mode: ForwardMode, random: inout RandomGenerator,
                 cache: UnsafeMutablePointer<ForwardCache>?) throws -> [Float] {
        var values = input
        for layer in layers {
            cache?.pointee.inputs.append(values)
            var preActivation: [Float]?
            var usedWeights: [Float]?
            var normalized: [Float]?
            var inverseDeviations: [Float]?
            var dropoutMask: [Float]?
            switch layer {
            case .dense(let dense):
                if mode.training {
                    let weights = try mode.quantizedFormat.map {
                        try $0.roundTrip(dense.weights, rows: dense.outputCount, columns: dense.inputCount)
                    } ?? dense.weights
                    let z = matrixMultiplyTransposed(input: values, weights: weights, bias: dense.bias, batch: batch,
                                                     inputs: dense.inputCount, outputs: dense.outputCount)
                    values = z
                    dense.activation.apply(&values)
                    preActivation = z
                    usedWeights = weights
                } else {
                    values = try runDense(dense, input: values, batch: batch)
                }
            case .layerNorm(let norm):
                let width = norm.featureCount
                var xHat = values
                var inverse = [Float](repeating: 0, count: batch)
                for row in 0..<batch {
                    let range = (row * width)..<((row + 1) * width)
                    var mean: Float = 0
                    for index in range { mean += values[index] }
                    mean /= Float(width)
                    var variance: Float = 0
                    for index in range { variance += (values[index] - mean) * (values[index] - mean) }
                    variance /= Float(width)
                    let inv = 1 / (variance + norm.epsilon).squareRoot()
                    inverse[row] = inv
                    for index in range {
                        let column = index - row * width
                        xHat[index] = (values[index] - mean) * inv
                        values[index] = xHat[index] * norm.gain[column] + norm.shift[column]
                    }
                }
                normalized = xHat
                inverseDeviations = inverse
            case .dropout(let rate):
                if mode.training && rate > 0 {
                    let keep = Float(1 / (1 - rate))
                    var mask = [Float](repeating: 0, count: values.count)
                    for index in values.indices where Double(random.nextFloat()) >= rate {
                        mask[index] = keep
                    }
                    for index in values.indices { values[index] *= mask[index] }
                    dropoutMask = mask
                }
            }
            cache?.pointee.preActivations.append(preActivation)
            cache?.pointee.usedWeights.append(usedWeights)
            cache?.pointee.normalized.append(normalized)
            cache?.pointee.inverseDeviations.append(inverseDeviations)
            cache?.pointee.dropoutMasks.append(dropoutMask)
        }
        return values
    }
}

/// Index of the largest of `count` values starting at `offset` (first one on ties).
func argmax(_ values: [Float], offset: Int, count: Int) -> Int {
    var best = 0
    for index in 1..<max(count, 1) where values[offset + index] > values[offset + best] { best = index }
    return best
}
