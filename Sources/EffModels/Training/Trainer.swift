import EffNumerics
import EffKernels
import Foundation

/// Called after each epoch; return false to stop training early (e.g. on Ctrl-C).
public typealias TrainingProgress = (TrainingEpoch) -> Bool

extension Model {
    /// Trains the model in place with mini-batch gradient descent on softmax cross-entropy.
    ///
    /// Single-threaded with a fixed reduction order: the same model, data and options give the same weights
    /// bit for bit. With `options.quantizedFormat` the forward pass uses rounded weights (QAT with a
    /// straight-through estimator) and the model ends in that format. With `distillation` the loss mixes
    /// the teacher's softened outputs into the targets. When training fails (bad settings, a diverging loss)
    /// the model is left unchanged.
    @discardableResult
    public mutating func train(on data: Dataset, options: TrainingOptions = TrainingOptions(),
                               distillation: DistillationOptions? = nil,
                               progress: TrainingProgress? = nil) throws -> TrainingHistory {
        var working = self
        let history = try working.trainInPlace(on: data, options: options, distillation: distillation, progress: progress)
        self = working
        return history
    }

    private mutating func trainInPlace(on data: Dataset, options: TrainingOptions, distillation: DistillationOptions?,
                                       progress: TrainingProgress?) throws -> TrainingHistory {
        try options.validate()
        try checkFits(data, kind: .training, outputsWord: "only ")
        guard data.count > 0 else { throw ModelsError(.training, "data set '\(data.name)' is empty") }
        if let validation = options.validation, validation.featureCount != inputCount {
            throw ModelsError(.training, "validation data '\(validation.name)' has \(validation.featureCount) features, "
                + "model '\(name)' takes \(inputCount)")
        }
        if let distillation {
            guard distillation.teacher.inputCount == inputCount, distillation.teacher.outputCount == outputCount else {
                throw ModelsError(.training, "teacher '\(distillation.teacher.name)' maps \(distillation.teacher.inputCount)"
                    + "→\(distillation.teacher.outputCount), student '\(name)' maps \(inputCount)→\(outputCount)")
            }
            guard distillation.temperature > 0, distillation.alpha >= 0, distillation.alpha <= 1 else {
                throw ModelsError(.training, "distillation needs temperature > 0 and alpha in [0, 1]")
            }
        }
        // Training works on f32 latent weights (a quantized model's values are the starting point); with QAT the
        // result is rounded to the format at the end. A pruned layer keeps its mask during training, so it
        // goes back to its sparse format (fine-tuning after pruning stays pruned); others stay f32.
        let sparseFormats = Dictionary(uniqueKeysWithValues: denseLayers.compactMap { entry in
            entry.layer.format.isSparse && entry.layer.mask != nil ? (entry.index, entry.layer.format) : nil
        })
        for (index, dense) in denseLayers where dense.format != .f32 {
            var latent = dense
            latent.format = .f32
            replaceDense(at: index, with: latent)
        }
        if classNames == nil { classNames = data.classNames }

        var random = RandomGenerator(seed: options.seed)
        var optimizer = OptimizerState(model: self, options: options)
        let teacherLogits = try distillation.map { try $0.teacher.logits(data.features, count: data.count) }
        let start = ContinuousClock.now
        var history = TrainingHistory(epochs: [], stoppedEarly: false)

        for epoch in 0..<options.epochs {
            let rate = options.learningRate * options.schedule.factor(epoch: epoch, epochs: options.epochs)
            var order = Array(0..<data.count)
            random.shuffle(&order)
            var lossSum = 0.0
            var correct = 0
            for batchStart in stride(from: 0, to: data.count, by: options.batchSize) {
                let indices = Array(order[batchStart..<min(batchStart + options.batchSize, data.count)])
                let batch = data.uncheckedSubset(indices)
                let teacher = teacherLogits.map { logits in
                    indices.flatMap { logits[($0 * outputCount)..<(($0 + 1) * outputCount)] }
                }
                var context = TrainingContext(random: random, quantizedFormat: options.quantizedFormat)
                let step = try gradients(features: batch.features, labels: batch.labels, teacherLogits: teacher,
                                         distillation: distillation, context: &context)
                random = context.random
                guard step.loss.isFinite else {
                    throw ModelsError(.training, "loss became \(step.loss) in epoch \(epoch + 1) of training '\(name)'; "
                        + "try a smaller learning rate (now \(rate))")
                }
                lossSum += step.loss * Double(indices.count)
                correct += step.correct
                optimizer.update(&self, gradients: step.gradients, learningRate: rate)
            }
            let validationAccuracy = try options.validation.map { validation -> Double in
                var evaluated = self
                if let format = options.quantizedFormat { evaluated = try evaluated.quantizedWeights(format) }
                return try evaluated.accuracy(on: validation)
            }
            let row = TrainingEpoch(epoch: epoch + 1, epochs: options.epochs, loss: lossSum / Double(data.count),
                                    trainAccuracy: Double(correct) / Double(data.count),
                                    validationAccuracy: validationAccuracy, learningRate: rate,
                                    elapsed: (ContinuousClock.now - start).seconds)
            history.epochs.append(row)
            if let progress, !progress(row) {
                history.stoppedEarly = true
                break
            }
        }
        if let format = options.quantizedFormat {
            self = try quantizedWeights(format)
        } else {
            for (index, dense) in denseLayers {
                guard let format = sparseFormats[index] else { continue }
                var restored = dense
                restored.format = format
                replaceDense(at: index, with: restored)
            }
        }
        return history
    }

    /// Fraction of `data` classified correctly.
    func accuracy(on data: Dataset) throws -> Double {
        guard data.count > 0 else { return 0 }
        let predictions = try predict(data.features, count: data.count)
        return Double(zip(predictions, data.labels).filter { $0 == $1 }.count) / Double(data.count)
    }

    /// The loss, correct count and gradients (in `parameterArrays` order) of one batch.
    func gradients(features: [Float], labels: [Int], teacherLogits: [Float]?, distillation: DistillationOptions?,
                   context: inout TrainingContext) throws -> (loss: Double, correct: Int, gradients: [[Float]]) {
        let batch = labels.count
        let pass = try trainingForward(features, batch: batch, context: &context)
        let loss = softmaxCrossEntropy(logits: pass.output, labels: labels, classes: outputCount, teacherLogits: teacherLogits,
                                       distillation: distillation)
        var gradient = loss.gradient
        var layerGradients: [[[Float]]] = Array(repeating: [], count: layers.count)
        for layerIndex in stride(from: layers.count - 1, through: 0, by: -1) {
            let step = layers[layerIndex].backward(gradient, input: pass.inputs[layerIndex], saved: pass.saved[layerIndex],
                                                   batch: batch, needsInputGradient: layerIndex > 0)
            layerGradients[layerIndex] = step.parameters
            gradient = step.input
        }
        return (loss.loss, loss.correct, layerGradients.flatMap { $0 })
    }
}

/// Mean softmax cross-entropy of a batch (optionally mixed with distillation), its gradient and correct count.
/// // logits (batch, classes)
func softmaxCrossEntropy(logits: [Float], labels: [Int], classes: Int, teacherLogits: [Float]?,
                         distillation: DistillationOptions?) -> (loss: Double, correct: Int, gradient: [Float]) {
    let batch = labels.count
    var gradient = [Float](repeating: 0, count: logits.count)
    var loss = 0.0
    var correct = 0
    let alpha = Float(distillation?.alpha ?? 0)
    let temperature = Float(distillation?.temperature ?? 1)
    for row in 0..<batch {
        let base = row * classes
        let probabilities = softmax(logits, offset: base, count: classes, temperature: 1)
        if argmax(logits, offset: base, count: classes) == labels[row] { correct += 1 }
        let label = labels[row]
        var rowLoss = -Double(log(max(probabilities[label], 1e-30)))
        for column in 0..<classes {
            gradient[base + column] = (1 - alpha) * (probabilities[column] - (column == label ? 1 : 0))
        }
        if let teacherLogits, distillation != nil {
            let student = softmax(logits, offset: base, count: classes, temperature: temperature)
            let teacher = softmax(teacherLogits, offset: base, count: classes, temperature: temperature)
            var divergence = 0.0
            for column in 0..<classes where teacher[column] > 0 {
                divergence += Double(teacher[column]) * Double(log(teacher[column] / max(student[column], 1e-30)))
                gradient[base + column] += alpha * temperature * (student[column] - teacher[column])
            }
            for column in 0..<classes where teacher[column] == 0 {
                gradient[base + column] += alpha * temperature * student[column]
            }
            rowLoss = Double(1 - alpha) * rowLoss + Double(alpha * temperature * temperature) * divergence
        }
        loss += rowLoss
    }
    let scale = 1 / Float(max(batch, 1))
    for index in gradient.indices { gradient[index] *= scale }
    return (loss / Double(max(batch, 1)), correct, gradient)
}

/// Softmax of `count` values at `offset`, divided by `temperature` first (max-subtracted for stability).
func softmax(_ values: [Float], offset: Int, count: Int, temperature: Float) -> [Float] {
    var largest = -Float.infinity
    for index in 0..<count { largest = max(largest, values[offset + index]) }
    var result = (0..<count).map { exp((values[offset + $0] - largest) / temperature) }
    let total = result.reduce(0, +)
    for index in result.indices { result[index] /= total }
    return result
}
