import EffKernels
import Foundation

extension Model {
    /// Class scores (before softmax) for `count` examples. // features (count, inputCount) → (count, outputCount)
    public func logits(_ features: [Float], count: Int) throws -> [Float] {
        let (expected, overflow) = count.multipliedReportingOverflow(by: inputCount)
        guard count >= 0, !overflow, features.count == expected else {
            throw ModelsError(.model, "model '\(name)' takes \(inputCount) features per example; got \(features.count) "
                + "values for \(count) examples")
        }
        return try infer(features, batch: count)
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

    /// Inference: the layers in order, nothing kept. // input (batch, inputCount) → (batch, outputCount)
    func infer(_ input: [Float], batch: Int) throws -> [Float] {
        var values = input
        for layer in layers { values = try layer(values, batch: batch) }
        return values
    }

    /// A training forward pass: the outputs, and per layer its input and what its backward needs.
    /// // input (batch, inputCount) → (batch, outputCount)
    func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], inputs: [[Float]], saved: [[[Float]]]) {
        var values = input
        var inputs: [[Float]] = []
        var saved: [[[Float]]] = []
        inputs.reserveCapacity(layers.count)
        saved.reserveCapacity(layers.count)
        for layer in layers {
            inputs.append(values)
            let step = try layer.trainingForward(values, batch: batch, context: &context)
            values = step.output
            saved.append(step.saved)
        }
        return (values, inputs, saved)
    }
}

/// Index of the largest of `count` values starting at `offset` (first one on ties).
func argmax(_ values: [Float], offset: Int, count: Int) -> Int {
    var best = 0
    for index in 1..<max(count, 1) where values[offset + index] > values[offset + best] { best = index }
    return best
}
