import EffKernels
import EffLanguage
import EffModels

/// Model builtins: building models, inspecting them, evaluating, predicting, and weight files.
enum ModelBuiltins {
    static let list: [Builtin] = [mlpBuiltin, modelBuiltin, likeBuiltin, evaluateBuiltin, predictBuiltin,
                                  summaryBuiltin, weightsBuiltin, weightMatrixBuiltin, loadBuiltin]

    static let mlpBuiltin = Builtin(
        "mlp", [.required("widths"), .optional("activation", .string("relu")), .optional("seed", .number(42)),
                .optional("name", .string("mlp"))], category: "models",
        summary: "A multilayer perceptron: dense layers between the widths, the activation after all but the last (logits).",
        example: "mlp([64, 128, 10], seed: 1)"
    ) { arguments in
        let widths = try arguments.list("widths").enumerated().map { index, value -> Int in
            guard let number = value.wholeNumber, number >= 1 else {
                throw RuntimeError("mlp: 'widths' must be positive whole numbers; element \(index) is \(value.display())",
                                   argument: "widths")
            }
            return number
        }
        let activation = try arguments.activation("mlp", "activation")
        let seed = try arguments.seed("mlp")
        let name = try arguments.string("name")
        return .object(ModelValue(try LabModelBuiltins.passingErrors("mlp", argument: "widths") {
            try Model.mlp(widths, activation: activation, seed: seed, name: name)
        }))
    }

    static let modelBuiltin = Builtin(
        "model", [.required("input"), .required("layers"), .optional("name", .string("model")),
                  .optional("seed", .number(42))], category: "models",
        summary: "A model from layer records: " + LayerKind.all.map { kind in
            "{kind: \"\(kind.name)\"" + kind.fields.map { ", \($0.name)" }.joined() + "}"
        }.joined(separator: ", ") + "; a sequence model (input: the vocabulary size) from {kind: \"embed\", width}, blocks "
            + BlockKind.all.map { kind in "{kind: \"\(kind.name)\"" + kind.fields.map { ", \($0.name)" }.joined() + "}" }
                .joined(separator: ", ") + " and {kind: \"head\"}.",
        example: "model(input: 4, layers: [{kind: \"\(DenseLayer.kind.name)\", units: 16, activation: \"relu\"}, "
            + "{kind: \"\(DenseLayer.kind.name)\", units: 3}], name: \"small\")"
    ) { arguments in
        let layers = try arguments.list("layers")
        if SequenceModelBuilder.declaresSequenceModel(layers) {
            let vocabulary = try arguments.integer("model", "input", in: 2...SequenceModel.maximumVocabulary)
            return .object(SequenceModelValue(try SequenceModelBuilder.build(
                name: try arguments.string("name"), vocabulary: vocabulary, layers: layers, seed: try arguments.seed("model"))))
        }
        if let error = SequenceModelBuilder.missingEmbed(layers) { throw error }
        let input = try arguments.integer("model", "input", in: 1...Model.maximumWidth)
        let specs = try layers.enumerated().map { index, value in
            try layerSpec(value, index: index)
        }
        let name = try arguments.string("name")
        let seed = try arguments.seed("model")
        return .object(ModelValue(try LabModelBuiltins.passingErrors("model", argument: "layers") {
            try Model(name: name, inputCount: input, specs: specs, seed: seed)
        }))
    }

    /// One `model(layers:)` element as a layer spec: a record `{kind: NAME, FIELD: value, …}` or, from a
    /// `model { }` block, `{kind: NAME, arguments: [values in field order]}`. Kinds and fields come from the
    /// registry (`LayerKind.all`); each kind checks its own values when the model is built.
    static func layerSpec(_ value: Value, index: Int) throws -> LayerSpec {
        let place = "model: layer \(index)"
        let kinds = LayerKind.all
        guard case .record(let record) = value else {
            throw RuntimeError("\(place) must be a record such as \(kinds[0].example), got \(value.typeName)",
                               argument: "layers", element: index)
        }
        guard case .string(let kindText)? = record["kind"] else {
            throw RuntimeError("\(place) needs a kind: \(kinds.map { "\"\($0.name)\"" }.joined(separator: ", "))",
                               argument: "layers", element: index)
        }
        let positional = record["arguments"]
        guard let kind = LayerKind.named(kindText) else {
            if positional != nil {  // a line of a model { } block
                throw RuntimeError("unknown layer '\(kindText)' in model block", argument: "layers", element: index,
                                   hint: Suggestions.hint(for: kindText, among: ["input"] + kinds.map(\.name), listing: true))
            }
            throw RuntimeError("\(place): unknown kind \"\(kindText)\"; choose one of: "
                + kinds.map(\.name).joined(separator: ", "), argument: "layers", element: index)
        }
        var given: [(field: String, value: Value)] = []
        if case .list(let values)? = positional {
            guard values.count <= kind.fields.count else {
                let fields = kind.fields.map(\.name)
                throw RuntimeError("'\(kind.name)' takes at most \(fields.count) argument\(fields.count == 1 ? "" : "s") "
                    + "(\(fields.joined(separator: ", ")))", argument: "layers", element: index)
            }
            given = zip(kind.fields, values).map { ($0.name, $1) }
        } else {
            given = record.names.filter { $0 != "kind" }.map { ($0, record[$0] ?? .nilValue) }
        }
        var arguments: [String: LayerArgument] = [:]
        for (field, fieldValue) in given {
            guard kind.fields.contains(where: { $0.name == field }) else {
                throw RuntimeError("\(place): a \(kind.name) layer has no field '\(field)' (fields: "
                    + (["kind"] + kind.fields.map(\.name)).joined(separator: ", ") + ")", argument: "layers", element: index)
            }
            arguments[field] = try layerArgument(fieldValue, place: place, field: field, index: index)
        }
        return LayerSpec(kind: kind.name, arguments: arguments)
    }

    /// A field's value as a layer (or block) argument: a number, or a string as a name.
    static func layerArgument(_ value: Value, place: String, field: String, index: Int) throws -> LayerArgument {
        switch value {
        case .number(let number): return .number(number)
        case .string(let text): return .name(text)
        default:
            throw RuntimeError("\(place): '\(field)' must be a number or a name, got \(value.typeName)",
                               argument: "layers", element: index)
        }
    }

    static let likeBuiltin = Builtin(
        "like", [.required("model"), .optional("seed", .number(42)), .optional("name")], category: "models",
        summary: "A fresh f32 model with the same architecture (new weights from the seed; keeps the name unless given); also for sequence models.",
        example: "like(mlp([4, 8, 3]), seed: 7, name: \"twin\")"
    ) { arguments in
        if case .object(let sequence as SequenceModelValue) = arguments.value("model") {
            let original = sequence.model
            let name = arguments.isGiven("name") ? try arguments.string("name") : original.name
            return .object(SequenceModelValue(try LabModelBuiltins.passingErrors("like") {
                try SequenceModel(name: name, vocabularySize: original.vocabularySize, width: original.width,
                                  blocks: original.specs, seed: try arguments.seed("like"))
            }))
        }
        let original = try arguments.model("like", "model").model
        let seed = try arguments.seed("like")
        let name = arguments.isGiven("name") ? try arguments.string("name") : original.name
        return .object(ModelValue(try LabModelBuiltins.passingErrors("like") {
            try Model(name: name, inputCount: original.inputCount, specs: original.specs, seed: seed)
        }))
    }

    static let evaluateBuiltin = Builtin(
        "evaluate", [.required("model"), .required("data")] + BenchmarkBuiltins.evaluateParameters, category: "models",
        summary: "Accuracy, loss, confusion matrix and per-example outcomes of a model on a data set; for a language model "
            + "on a benchmark: accuracy with its 95% CI, per-example outcomes, tokens, time and estimated energy (limit, "
            + "shots, seed, tokens, chat, references: perplexity of the reference answers; Ctrl-C keeps what finished).",
        example: "let parts = split(dataset(\"iris\"))\nlet m = mlp([4, 16, 3])\ntrain(m, parts.train, epochs: 20);\nevaluate(m, parts.test)"
    ) { arguments in
        if case .object(let object as LanguageModelValue) = arguments.value("model") {
            return try BenchmarkBuiltins.evaluate(object.model, arguments)
        }
        if BenchmarkBuiltins.task(arguments.value("data")) != nil {
            throw RuntimeError("evaluate: a benchmark is a task for a language model with a tokenizer; 'model' is \(arguments.value("model").typeName)",
                               hint: "load one with load(\"smollm2\")", argument: "model")
        }
        let model = try arguments.model("evaluate", "model")
        let data = try arguments.dataset("evaluate", "data")
        let evaluation = try LabModelBuiltins.passingErrors("evaluate", argument: "data") {
            try model.model.evaluate(on: data.dataset)
        }
        return .object(EvaluationValue(evaluation: evaluation, model: ModelValue(model.model, history: model.history),
                                       dataset: data))
    }

    static let predictBuiltin = Builtin(
        "predict", [.required("model"), .required("input")], category: "models",
        summary: "Predicted class index: for one example (a list of numbers), or a list for a data set or a list of examples.",
        example: "predict(mlp([4, 8, 3]), [5.1, 3.5, 1.4, 0.2])"
    ) { arguments in
        let model = try arguments.model("predict", "model").model
        let input = arguments.value("input")
        func classes(_ features: [Float], count: Int) throws -> [Value] {
            try LabModelBuiltins.passingErrors("predict", argument: "input") {
                try model.predict(features, count: count).map { .number(Double($0)) }
            }
        }
        if case .object(let object as DatasetValue) = input {
            return .list(try classes(object.dataset.features, count: object.dataset.count))
        }
        guard case .list(let elements) = input else {
            throw RuntimeError("predict: 'input' must be a data set, a list of numbers or a list of lists, got \(input.typeName)",
                               argument: "input")
        }
        if elements.allSatisfy({ if case .list = $0 { return true } else { return false } }), !elements.isEmpty {
            let rows = try elements.map { try features($0, width: model.inputCount) }
            return .list(try classes(rows.flatMap { $0 }, count: rows.count))
        }
        return try classes(try features(input, width: model.inputCount), count: 1)[0]
    }

    /// One example's features from a list of numbers of the model's input width.
    static func features(_ value: Value, width: Int) throws -> [Float] {
        guard case .list(let elements) = value else {
            throw RuntimeError("predict: an example must be a list of numbers, got \(value.typeName)", argument: "input")
        }
        guard elements.count == width else {
            throw RuntimeError("predict: the model takes \(width) features, the example has \(elements.count)",
                               argument: "input")
        }
        return try elements.map { element in
            guard case .number(let number) = element, number.isFinite else {
                throw RuntimeError("predict: features must be finite numbers, got \(element.display())", argument: "input")
            }
            return Float(number)
        }
    }

    static let summaryBuiltin = Builtin(
        "summary", [.required("model"), .optional("context", .number(Double(SequenceSummary.defaultContext)))], category: "models",
        summary: "A model's layers with shapes, formats, parameters, bytes and operations per inference, and its size in every format; "
            + "for a sequence model, each part's parameters, active parameters, operations per generated token and cached values at `context`.",
        example: "summary(mlp([64, 128, 10]))"
    ) { arguments in
        if case .object(let object) = arguments.value("model"), let lm = object as? LanguageModelValue {
            return .object(LanguageModelSummary(lm.model))
        }
        if case .object(let object as SequenceModelValue) = arguments.value("model") {
            return SequenceSummary.table(object.model, context: try arguments.integer("summary", "context", in: 1...(1 << 24)))
        }
        return .object(ModelSummaryValue(try arguments.model("summary", "model").model))
    }

    static let weightsBuiltin = Builtin(
        "weights", [.required("model")], category: "models",
        summary: "The model's weight tensors as records {layer, kind, shape, format, nonzero} (shape: [outputs, inputs]).",
        example: "weights(mlp([4, 8, 3]))"
    ) { arguments in
        let model = try arguments.model("weights", "model").model
        var records: [Value] = []
        for (index, layer) in model.layers.enumerated() {
            guard let info = layer.weightInfo else { continue }
            records.append(.record(Record([
                ("layer", .number(Double(index))), ("kind", .string(type(of: layer).kind.name)),
                ("shape", .list(info.shape.map { .number(Double($0)) })), ("format", .string(info.format.rawValue)),
                ("nonzero", .number(info.nonzero)),
            ])))
        }
        return .list(records)
    }

    static let weightMatrixBuiltin = Builtin(
        "weight_matrix", [.required("model"), .optional("layer", .number(0))], category: "models",
        summary: "The weights of one dense layer (counting dense layers from 0) as rows [outputs][inputs] of the values "
            + "the model computes with (quantized weights as their rounded values): for hist, heatmap and spy.",
        example: "weight_matrix(prune(mlp([4, 3, 2]), sparsity: 0.5), layer: 1)"
    ) { arguments in
        let model = try arguments.model("weight_matrix", "model").model
        let dense = model.denseLayers.map(\.layer)
        let index = try arguments.integer("layer")
        guard dense.indices.contains(index) else {
            throw RuntimeError("weight_matrix: the model has \(dense.count) dense layer\(dense.count == 1 ? "" : "s") "
                + "(0…\(dense.count - 1)), so there is no layer \(index)", argument: "layer")
        }
        let layer = dense[index]
        guard layer.weights.count <= Value.maximumRangeCount else {
            throw RuntimeError("weight_matrix: layer \(index) has \(layer.weights.count) weights, more than the "
                + "\(Value.maximumRangeCount) a list of numbers may hold", argument: "layer")
        }
        return .list((0..<layer.outputCount).map { row in
            .list(layer.weights[(row * layer.inputCount)..<((row + 1) * layer.inputCount)].map { .number(Double($0)) })
        })
    }

    static let loadBuiltin = Builtin(
        "load", [.required("path"), .optional("activation", .string("relu")), .optional("name")], category: "models",
        summary: "Loads a model from a .safetensors or .npz weight file (eff's own files keep their architecture, "
            + "sequence models included; others are read as linear layers with `activation` between them), or a GGUF "
            + "language model.",
        example: "load(\"model.safetensors\")"
    ) { arguments in
        let path = try arguments.string("path")
        if let languageModel = try LanguageModelBuiltins.loadIfLanguageModel(path) { return languageModel }
        let extensionName = path.split(separator: "/").last.flatMap { name in
            name.contains(".") ? name.split(separator: ".").last.map { $0.lowercased() } : nil
        } ?? ""
        if extensionName == "npy" {
            throw RuntimeError("load: \"\(path)\" is a .npy file, which holds one array, not a model",
                               hint: "save all the layers in one .npz (numpy.savez) or .safetensors file", argument: "path")
        }
        guard ["safetensors", "npz"].contains(extensionName) else {
            throw RuntimeError("load: cannot tell the format of \"\(path)\"; load reads model weights from .safetensors or .npz",
                               argument: "path")
        }
        if let sequence = try SequenceBuiltins.loadIfSequenceModel(path) {
            if arguments.isGiven("name") { sequence.model.name = try arguments.string("name") }
            return .object(sequence)
        }
        let activation = try arguments.activation("load", "activation")
        var model = try LabModelBuiltins.passingErrors("load", argument: "path") {
            try Model.load(path: path, hiddenActivation: activation)
        }
        if arguments.isGiven("name") { model.name = try arguments.string("name") }
        return .object(ModelValue(model))
    }
}

extension LabModelBuiltins {
    /// Saves `value` to `path` when it is a model (safetensors; quantized layers are written as their
    /// rounded values with the formats in the metadata) and returns true; returns false for any other value,
    /// so the single `save` builtin can fall through to tables and charts.
    public static func saveModel(_ value: Value, path: String) throws -> Bool {
        if case .object(let object) = value, let sequence = object as? SequenceModelValue {
            try SequenceBuiltins.save(sequence, path: path)
            return true
        }
        guard case .object(let object) = value, let model = object as? ModelValue else { return false }
        guard path.lowercased().hasSuffix(".safetensors") else {
            throw RuntimeError("save: a model is saved as safetensors, so the path must end in .safetensors",
                               hint: "e.g. save(m, \"model.safetensors\")", argument: "path")
        }
        try passingErrors("save", argument: "path") { try model.model.save(safetensorsPath: path) }
        return true
    }
}

private extension Value {
    /// A whole number held by a number value, or nil.
    var wholeNumber: Int? {
        guard case .number(let number) = self, number == number.rounded(), abs(number) < 9e15 else { return nil }
        return Int(number)
    }
}
