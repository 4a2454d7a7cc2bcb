import Foundation

/// A model's results on a labelled data set: accuracy, loss, confusion matrix and per-example outcomes.
///
/// `correct` keeps one entry per example in data-set order so two models evaluated on the same data can be
/// compared pairwise (McNemar's test needs the paired outcomes).
public struct Evaluation: Sendable, Equatable {
    /// Fraction of examples classified correctly, 0…1.
    public let accuracy: Double
    /// Mean softmax cross-entropy (natural log).
    public let loss: Double
    /// Predicted class per example, in data-set order. // (count)
    public let predictions: [Int]
    /// True class per example, in data-set order. // (count)
    public let labels: [Int]
    /// Whether each prediction was right, in data-set order. // (count)
    public let correct: [Bool]
    /// Counts by [true class][predicted class]. // (classes, classes)
    public let confusion: [[Int]]
    /// Accuracy within each true class (nil for a class with no examples). // (classes)
    public let perClassAccuracy: [Double?]
    /// Class names, indexed like the confusion matrix.
    public let classNames: [String]

    /// Number of examples evaluated.
    public var count: Int { labels.count }
}

extension Model {
    /// Evaluates the model on `data`.
    public func evaluate(on data: Dataset) throws -> Evaluation {
        try checkFits(data, kind: .model, outputsWord: "")
        let scores = try logits(data.features, count: data.count)
        let width = outputCount
        let classes = max(data.classCount, width)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var predictions: [Int] = []
        var correct: [Bool] = []
        var lossSum = 0.0
        for row in 0..<data.count {
            let predicted = argmax(scores, offset: row * width, count: width)
            let label = data.labels[row]
            predictions.append(predicted)
            correct.append(predicted == label)
            confusion[label][predicted] += 1
            let probabilities = softmax(scores, offset: row * width, count: width, temperature: 1)
            lossSum -= Double(log(max(probabilities[label], 1e-30)))
        }
        let perClass: [Double?] = confusion.enumerated().map { label, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[label]) / Double(total)
        }
        let names = data.classNames + (data.classCount..<classes).map { "class \($0)" }
        let right = correct.filter { $0 }.count
        return Evaluation(accuracy: data.count == 0 ? 0 : Double(right) / Double(data.count),
                          loss: data.count == 0 ? 0 : lossSum / Double(data.count), predictions: predictions,
                          labels: data.labels, correct: correct, confusion: confusion, perClassAccuracy: perClass,
                          classNames: names)
    }
}

extension Evaluation: CustomStringConvertible {
    /// A one-line summary, e.g. `accuracy 97.8% (351/359), loss 0.083`.
    public var description: String {
        let right = correct.filter { $0 }.count
        let percent = (accuracy * 1000).rounded() / 10
        let roundedLoss = (loss * 1000).rounded() / 1000
        return "accuracy \(percent)% (\(right)/\(count)), loss \(roundedLoss)"
    }
}

extension Model {
    /// Throws (as `kind`) unless `data` has this model's input width and no more classes than it has outputs.
    func checkFits(_ data: Dataset, kind: ModelsError.Kind, outputsWord: String) throws {
        guard data.featureCount == inputCount else {
            throw ModelsError(kind, "model '\(name)' takes \(inputCount) features; data set '\(data.name)' has "
                + "\(data.featureCount)")
        }
        guard data.classCount <= outputCount else {
            throw ModelsError(kind, "data set '\(data.name)' has \(data.classCount) classes; model '\(name)' has "
                + "\(outputsWord)\(outputCount) outputs")
        }
    }
}
