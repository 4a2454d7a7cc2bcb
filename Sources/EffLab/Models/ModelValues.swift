import EffKernels
import EffLanguage
import EffModels
import EffUnits
import Foundation

/// A model in eff: a mutable box around `EffModels.Model`, so `train(m, …)` changes `m` in place
/// (every variable holding the same model sees the trained weights, as in the library).
///
///     let m = ModelValue(try Model.mlp([64, 128, 10], seed: 42))
///     m.display(DisplayContext())   // model mlp · dense 64→128 relu → dense 128→10 · 9,610 parameters · f32, 38.4 kB
public final class ModelValue: EffObject {
    /// The model; replaced by training and by in-place operations.
    public var model: Model
    /// The history of the last `train` call on this model (nil until trained).
    public var history: TrainingHistory?

    public init(_ model: Model, history: TrainingHistory? = nil) {
        self.model = model
        self.history = history
    }

    public var typeName: String { "model" }

    /// The weight formats of the dense layers, joined with "/" (e.g. "f32" or "int8/f32").
    public var formatName: String {
        var seen: [String] = []
        for (_, dense) in model.denseLayers where !seen.contains(dense.format.rawValue) {
            seen.append(dense.format.rawValue)
        }
        return seen.joined(separator: "/")
    }

    /// Bytes to store the model in its current formats (weights, scales, biases). // bytes
    public var byteCount: Int { model.summary.bytes }

    /// One line (wrapped to the display width): name, layers, parameters, format and storage.
    public func display(_ context: DisplayContext) -> String {
        let arrow = context.asciiOnly ? " -> " : " → "
        let dot = context.asciiOnly ? " | " : " · "
        let layers = model.layers.map(\.summary).joined(separator: arrow)
        let layerText = context.asciiOnly ? layers.replacingOccurrences(of: "→", with: "->") : layers
        return LabFormat.wrap(["model \(model.name)", layerText, "\(LabFormat.grouped(model.parameterCount)) parameters",
                               "\(formatName), \(LabFormat.bytes(byteCount))"],
                              separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    public static let fields = ["name", "layers", "parameters", "bytes", "format", "inputs", "outputs",
                                "summary", "history", "classes"]

    public var fieldNames: [String] { ModelValue.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(model.name)
        case "layers": return .list(ModelValue.layerRecords(model).map { .record($0) })
        case "parameters": return .number(Double(model.parameterCount))
        case "bytes": return .quantity(Quantity(Double(byteCount), .data))
        case "format": return .string(formatName)
        case "inputs": return .number(Double(model.inputCount))
        case "outputs": return .number(Double(model.outputCount))
        case "summary": return ModelSummaryValue.make(model)
        case "history": return history.map { LabTables.make(ModelValue.historyRecords($0)) } ?? .nilValue
        case "classes": return model.classNames.map { .list($0.map { .string($0) }) } ?? .nilValue
        default: return nil
        }
    }

    /// One record per layer: {index, kind, inputs, outputs, activation, format, parameters, bytes}.
    static func layerRecords(_ model: Model) -> [Record] {
        model.summary.rows.map { row in
            Record([("index", .number(Double(row.index))), ("kind", .string(row.kind)),
                    ("inputs", .number(Double(row.inputs))), ("outputs", .number(Double(row.outputs))),
                    ("activation", .string(row.activation)),
                    ("format", row.format.map { .string($0.rawValue) } ?? .nilValue),
                    ("parameters", .number(Double(row.parameters))),
                    ("bytes", .quantity(Quantity(Double(row.bytes), .data)))])
        }
    }

    /// One record per epoch: {epoch, loss, accuracy} (accuracy on the training data, 0…1; plus
    /// validation accuracy when the run had validation data).
    static func historyRecords(_ history: TrainingHistory) -> [Record] {
        history.epochs.map { epoch in
            var record = Record([("epoch", .number(Double(epoch.epoch))), ("loss", .number(epoch.loss)),
                                 ("accuracy", .number(epoch.trainAccuracy))])
            if let validation = epoch.validationAccuracy { record["validation"] = .number(validation) }
            return record
        }
    }
}

/// A labelled data set in eff (immutable; split and scaling return new ones).
public final class DatasetValue: EffObject {
    public let dataset: Dataset

    public init(_ dataset: Dataset) { self.dataset = dataset }

    public var typeName: String { "dataset" }

    /// One line: name, rows, features, classes.
    public func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        let times = context.asciiOnly ? "x" : "×"
        return "dataset \(dataset.name)\(dot)\(LabFormat.grouped(dataset.count)) rows \(times) "
            + "\(dataset.featureCount) features\(dot)\(dataset.classCount) classes"
    }

    public static let fields = ["name", "rows", "features", "classes", "class_names", "class_counts",
                                "feature_names", "source", "labels"]

    public var fieldNames: [String] { DatasetValue.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(dataset.name)
        case "rows": return .number(Double(dataset.count))
        case "features": return .number(Double(dataset.featureCount))
        case "classes": return .number(Double(dataset.classCount))
        case "class_names": return .list(dataset.classNames.map { .string($0) })
        case "class_counts": return .list(dataset.classCounts.map { .number(Double($0)) })
        case "feature_names": return .list(dataset.featureNames.map { .string($0) })
        case "source": return .string(dataset.source)
        case "labels": return .list(dataset.labels.map { .number(Double($0)) })
        default: return nil
        }
    }
}

/// The result of `evaluate(m, data)`: accuracy, loss, confusion matrix and per-example outcomes,
/// with the model and data it came from (so claims can pair two evaluations on the same data).
public final class EvaluationValue: EffObject {
    public let evaluation: Evaluation
    /// The model as it was evaluated (a snapshot: later training of the same variable does not change it).
    public let model: ModelValue
    public let dataset: DatasetValue

    public init(evaluation: Evaluation, model: ModelValue, dataset: DatasetValue) {
        self.evaluation = evaluation
        self.model = model
        self.dataset = dataset
    }

    public var typeName: String { "evaluation" }

    /// Number of examples classified correctly.
    public var correctCount: Int { evaluation.correct.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// `accuracy 97.8% (352/360) · loss 0.071 · model m on digits.test`, then the confusion matrix
    /// when there are at most 12 classes.
    public func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        var text = "accuracy \(LabFormat.percent(evaluation.accuracy)) (\(correctCount)/\(evaluation.count))"
            + "\(dot)loss \(LabFormat.fixed(evaluation.loss, digits: 3))"
            + "\(dot)model \(model.model.name) on \(dataset.dataset.name)"
        if evaluation.confusion.count <= 12, evaluation.count > 0 {
            text += "\n" + ConfusionText.render(evaluation, context: context)
        }
        return text
    }

    public static let fields = ["accuracy", "loss", "count", "correct_count", "per_class", "confusion", "correct",
                                "predictions", "labels", "model", "data"]

    public var fieldNames: [String] { EvaluationValue.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "accuracy": return .number(evaluation.accuracy)
        case "loss": return .number(evaluation.loss)
        case "count": return .number(Double(evaluation.count))
        case "correct_count": return .number(Double(correctCount))
        case "per_class":
            return LabTables.make(evaluation.perClassAccuracy.enumerated().map { index, accuracy in
                Record([("class", .string(evaluation.classNames[index])),
                        ("count", .number(Double(evaluation.confusion[index].reduce(0, +)))),
                        ("accuracy", accuracy.map { .number($0) } ?? .nilValue)])
            })
        case "confusion": return .list(evaluation.confusion.map { .list($0.map { .number(Double($0)) }) })
        case "correct": return .list(evaluation.correct.map { .bool($0) })
        case "predictions": return .list(evaluation.predictions.map { .number(Double($0)) })
        case "labels": return .list(evaluation.labels.map { .number(Double($0)) })
        case "model": return .object(model)
        case "data": return .object(dataset)
        default: return nil
        }
    }
}
