import EffEnergy
import EffLanguage
import EffLLM
import EffModels
import Foundation

/// Sequence models in the shared builtins: `tokens(text, "chars")`, `unigram`, and the sequence-model cases of
/// `train`, `perplexity`, `estimate` and `summary` (each builtin calls in here when its first argument is a sequence
/// model or a text).
enum SequenceBuiltins {
    static let list: [Builtin] = [unigramBuiltin]

    /// Token data of a text: `tokens(text, "chars", heldout: 0.1)` or `tokens(text, "smollm2")` (any installed language
    /// model's GGUF tokenizer, its ids renumbered to those the text uses so the embedding stays small).
    static func tokens(_ text: String, _ arguments: Arguments) throws -> Value {
        let tokenizer = arguments.isPassed("text") ? try arguments.string("text") : "chars"
        let fraction = try arguments.number("tokens", "heldout", in: 0...0.9)
        let name = "text of \(LabFormat.grouped(text.unicodeScalars.count)) characters"
        let data: TokenSequence = try LabModelBuiltins.passingErrors("tokens", argument: "text") {
            if tokenizer.lowercased() == "chars" { return try TokenSequence.characters(text, name: name) }
            let file = try LanguageModelBuiltins.passing("tokens", argument: "text") {
                try GGUFFile(path: ModelLocator.resolve(tokenizer))
            }
            let bpe = try LanguageModelBuiltins.passing("tokens", argument: "text") {
                try BPETokenizer(vocabulary: file.tokenizerVocabulary())
            }
            let ids = try LanguageModelBuiltins.passing("tokens", argument: "text") { try bpe.encode(text, parseSpecial: false, addBOS: false) }
            let texts = (0..<bpe.vocabularySize).map { String(decoding: bpe.pieceBytes(Int32($0), renderSpecial: true), as: UTF8.self) }
            return try TokenSequence.compacting(ids: ids.map(Int.init), texts: texts, tokenizer: tokenizer.lowercased(), name: name)
        }
        guard fraction > 0 else { return .object(TokenDataValue(train: data, heldOut: nil)) }
        let parts = try LabModelBuiltins.passingErrors("tokens", argument: "heldout") { try data.split(heldOut: fraction) }
        return .object(TokenDataValue(train: parts.train, heldOut: parts.heldOut))
    }

    static func tokenData(_ value: Value, function: String, argument: String) throws -> TokenDataValue {
        if case .object(let object as TokenDataValue) = value { return object }
        throw RuntimeError("\(function): '\(argument)' must be token data, got \(value.typeName)",
                           hint: "make it with tokens(corpus(\"austen\"), \"chars\")", argument: argument)
    }

    static let unigramBuiltin = Builtin(
        "unigram", [.required("data")], category: "llm",
        summary: "The held-out perplexity of a unigram model (token frequencies of the training part, add-one smoothing): "
            + "the baseline a sequence model must beat. Scores the whole data when it has no held-out part.",
        example: "unigram(tokens(corpus(\"persuasion\"), \"chars\", heldout: 0.1))"
    ) { arguments in
        let data = try tokenData(arguments.value("data"), function: "unigram", argument: "data")
        return .number(data.train.unigramPerplexity(on: data.heldOut ?? data.train))
    }

    // MARK: perplexity

    /// `perplexity(m, data, window:, windows:)`: held-out perplexity of a sequence model on consecutive windows.
    static func perplexity(_ model: SequenceModelValue, _ arguments: Arguments) throws -> Value {
        let data = try tokenData(arguments.value("text"), function: "perplexity", argument: "text")
        let text = data.heldOut ?? data.train
        let length = arguments.isPassed("window") ? try arguments.integer("perplexity", "window", in: 1...SequenceModel.maximumLength)
            : model.history?.options.length ?? SequenceTrainingOptions().length
        let windows = arguments.isPassed("windows") ? try arguments.integer("perplexity", "windows", in: 1...1_000_000)
            : max(1, (text.count - 1) / length)
        let loss = try LabModelBuiltins.passingErrors("perplexity", argument: "text") {
            try model.model.crossEntropy(on: text, length: length, windows: windows)
        }
        let scored = min(windows, max(0, (text.count - 1) / length))
        return .record(Record([("perplexity", .number(exp(loss))), ("loss", .number(loss)),
                               ("tokens", .number(Double(scored * length))), ("windows", .number(Double(scored)))]))
    }

    // MARK: estimate

    /// `estimate(m, context:, training:)` for one sequence model, or a table for a list of them.
    static func estimate(_ arguments: Arguments, profile: EnergyProfile) throws -> Value? {
        let value = arguments.value("model")
        var models: [SequenceModelValue] = []
        switch value {
        case .object(let object as SequenceModelValue): models = [object]
        case .list(let elements) where !elements.isEmpty:
            for element in elements {
                guard case .object(let object as SequenceModelValue) = element else { return nil }
                models.append(object)
            }
        default: return nil
        }
        let context = try arguments.integer("estimate", "context", in: 1...(1 << 24))
        let estimates = try models.map { model in
            try SequenceEstimateValue(model.model, context: context, profile: profile,
                                      training: trainingRun(model, arguments), function: "estimate")
        }
        if case .list = value { return LabTables.make(estimates.map(\.row)) }
        return .object(estimates[0])
    }

    /// What `training:` asks to price: a number of steps (with `batch:` and `length:` or the training defaults),
    /// `true` or a history for the model's own last run.
    private static func trainingRun(_ model: SequenceModelValue, _ arguments: Arguments) throws -> (steps: Int, batch: Int, length: Int)? {
        let defaults = SequenceTrainingOptions()
        switch arguments.value("training") {
        case .nilValue, .bool(false): return nil
        case .number:
            let steps = try arguments.integer("estimate", "training", in: 1...100_000_000)
            let batch = arguments.isPassed("batch") ? try arguments.integer("estimate", "batch", in: 1...4096) : defaults.batch
            let length = arguments.isPassed("length") ? try arguments.integer("estimate", "length", in: 1...SequenceModel.maximumLength)
                : defaults.length
            return (steps, batch, length)
        case .object(let history as SequenceHistoryValue):
            return (history.history.steps.count, history.options.batch, history.options.length)
        case .bool(true):
            guard let history = model.history else {
                throw RuntimeError("estimate: model '\(model.model.name)' has not been trained; give training: a number of steps",
                                   argument: "training")
            }
            return (history.history.steps.count, history.options.batch, history.options.length)
        case let other:
            throw RuntimeError("estimate: 'training' must be a number of steps, a training history or true (the model's last run), "
                + "got \(other.typeName)", argument: "training")
        }
    }
}

// MARK: save and load

extension SequenceBuiltins {
    /// `save(m, "m.safetensors")` (any architecture, rebuilt exactly by `load`) or `save(m, "m.gguf")` (a Llama GGUF
    /// that eff's `load` and llama.cpp run: dense attention + SwiGLU blocks only).
    static func save(_ model: SequenceModelValue, path: String) throws {
        let lowered = path.lowercased()
        try LabModelBuiltins.passingErrors("save", argument: "path") {
            if lowered.hasSuffix(".safetensors") {
                try model.model.saveSafeTensors(path: path)
            } else if lowered.hasSuffix(".gguf") {
                let context = max(model.history?.options.length ?? SequenceTrainingOptions().length, 256)
                try LanguageModelBuiltins.passing("save", argument: "path") {
                    try model.model.saveGGUF(path: path, contextLength: context)
                }
            } else {
                throw RuntimeError("save: a sequence model is saved as .safetensors (any architecture) or .gguf (a Llama "
                    + "model: attention and SwiGLU blocks)", hint: "e.g. save(m, \"m.safetensors\")", argument: "path")
            }
        }
    }

    /// `load("m.safetensors")` when the file is an eff sequence model (its metadata says so); nil otherwise.
    static func loadIfSequenceModel(_ path: String) throws -> SequenceModelValue? {
        guard path.lowercased().hasSuffix(".safetensors"),
              let file = try? TensorFile.read(path: path), file.metadata["eff.format"] == SequenceModel.fileFormat else { return nil }
        return SequenceModelValue(try LabModelBuiltins.passingErrors("load", argument: "path") {
            try SequenceModel(safeTensorsAt: path)
        })
    }
}
