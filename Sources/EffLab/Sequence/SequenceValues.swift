import EffLanguage
import EffModels
import EffUnits
import Foundation

/// A sequence model in eff (`model m { input 96; embed 64; block attention(heads: 4); block ffn(hidden: 256); head }`):
/// a mutable box, so `train(m, data)` changes `m` in place as it does for MLPs.
///
///     m   // model m · 96 tokens → embed 64 → attention 4 heads → ffn 256 swiglu → head · 61,568 parameters (61,568 active)
public final class SequenceModelValue: EffObject {
    public var model: SequenceModel
    /// The last `train` run on this model (nil until trained).
    var history: SequenceHistoryValue?

    public init(_ model: SequenceModel) { self.model = model }

    public var typeName: String { "sequence model" }

    public func display(_ context: DisplayContext) -> String {
        let arrow = context.asciiOnly ? " -> " : " → "
        let dot = context.asciiOnly ? " | " : " · "
        let layers = (["\(model.vocabularySize) tokens", "embed \(model.width)"] + model.blocks.map(\.mixer.description) + ["head"])
            .joined(separator: arrow)
        var count = "\(LabFormat.grouped(model.parameterCount)) parameters"
        // Only where a block uses part of its weights per token (Mixture-of-Experts): every model's embedding table is
        // read one row at a time, which `summary` shows.
        if model.blocks.contains(where: { $0.mixer is any ActiveParameterCounting }) {
            count += " (\(LabFormat.grouped(model.activeParameterCount)) active per token)"
        }
        var parts = ["model \(model.name)", layers, count]
        if let vocabulary = model.vocabulary { parts.append("\(vocabulary.tokenizer) tokens") }
        if let history { parts.append("trained \(history.history.steps.count) steps") }
        return LabFormat.wrap(parts, separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    static let fields = ["name", "vocabulary", "width", "blocks", "parameters", "active_parameters", "tokenizer", "summary",
                         "history"]
    public var fieldNames: [String] { Self.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(model.name)
        case "vocabulary": return .number(Double(model.vocabularySize))
        case "width": return .number(Double(model.width))
        case "blocks": return .list(model.blocks.map { .string($0.mixer.description) })
        case "parameters": return .number(Double(model.parameterCount))
        case "active_parameters": return .number(Double(model.activeParameterCount))
        case "tokenizer": return model.vocabulary.map { .string($0.tokenizer) } ?? .nilValue
        case "summary": return SequenceSummary.table(model, context: SequenceSummary.defaultContext)
        case "history": return history.map { .object($0) } ?? .nilValue
        default: return nil
        }
    }
}

/// Token ids of a text for sequence models (`tokens(corpus("austen"), "chars")`), with its held-out part when split.
public final class TokenDataValue: EffObject {
    /// The training tokens (all of them when not split).
    let train: TokenSequence
    /// The held-out tokens, when `tokens(…, heldout: f)` split them off (the last fraction f of the text).
    let heldOut: TokenSequence?

    init(train: TokenSequence, heldOut: TokenSequence?) {
        self.train = train
        self.heldOut = heldOut
    }

    public var typeName: String { "tokens" }
    var vocabulary: TokenVocabulary { train.vocabulary }
    var count: Int { train.count + (heldOut?.count ?? 0) }
    var name: String { train.name.replacingOccurrences(of: " (train)", with: "") }

    public func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        let kind = vocabulary.tokenizer == "chars" ? "character" : vocabulary.tokenizer
        var parts = ["tokens", "\(LabFormat.grouped(count)) \(kind) tokens", "vocabulary \(LabFormat.grouped(vocabulary.count))"]
        if let heldOut { parts.append("\(LabFormat.grouped(train.count)) train, \(LabFormat.grouped(heldOut.count)) held out") }
        return LabFormat.wrap(parts, separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    static let fields = ["name", "count", "vocabulary", "tokenizer", "train", "heldout", "ids", "text"]
    public var fieldNames: [String] { Self.fields }

    public func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(self.name)
        case "count": return .number(Double(count))
        case "vocabulary": return .number(Double(vocabulary.count))
        case "tokenizer": return .string(vocabulary.tokenizer)
        case "train": return .object(TokenDataValue(train: train, heldOut: nil))
        case "heldout": return heldOut.map { .object(TokenDataValue(train: $0, heldOut: nil)) } ?? .nilValue
        case "ids":
            let ids = train.tokens.prefix(Value.maximumRangeCount)
            return .list(ids.map { .number(Double($0)) })
        case "text": return .list(vocabulary.tokens.map { .string($0) })
        default: return nil
        }
    }
}

/// What `train(m, tokens, …)` returns for a sequence model: the steps, held-out perplexity, speed and the options.
final class SequenceHistoryValue: EffObject {
    let history: SequenceTrainingHistory
    let options: SequenceTrainingOptions
    let modelName: String
    /// The held-out unigram perplexity of the data (the baseline a trained model must beat), when held out.
    let unigram: Double?
    /// The training-energy budget that set the number of steps, with the estimated joules per step.
    let budget: (joules: Double, perStep: Double)?

    init(history: SequenceTrainingHistory, options: SequenceTrainingOptions, modelName: String, unigram: Double?,
         budget: (joules: Double, perStep: Double)?) {
        self.history = history
        self.options = options
        self.modelName = modelName
        self.unigram = unigram
        self.budget = budget
    }

    var typeName: String { "training history" }
    var last: SequenceTrainingStep? { history.steps.last }
    var tokens: Int { last?.tokens ?? 0 }
    var seconds: Double { last?.elapsed ?? 0 }

    func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        let arrow = context.asciiOnly ? " -> " : " → "
        var parts = ["trained \(modelName): \(history.steps.count)/\(options.steps) steps"
                     + (history.stoppedEarly ? " (stopped early)" : ""),
                     "\(LabFormat.grouped(tokens)) tokens"]
        if let first = history.steps.first, let last {
            parts.append("loss \(LabFormat.fixed(first.loss, digits: 3))\(arrow)\(LabFormat.fixed(last.loss, digits: 3))")
        }
        if let perplexity = history.heldOutPerplexity {
            parts.append("held-out perplexity \(LabFormat.fixed(perplexity, digits: 2))"
                         + (unigram.map { " (unigram \(LabFormat.fixed($0, digits: 2)))" } ?? ""))
        }
        if let last { parts.append("\(LabFormat.grouped(Int(last.tokensPerSecond.rounded()))) tokens/s") }
        parts.append(ProgressBar.duration(seconds))
        if let budget {
            parts.append("budget \(joules(budget.joules).text(context)) at \(joules(budget.perStep).text(context))/step (estimated)")
        }
        return LabFormat.wrap(parts, separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    static let fields = ["steps", "loss", "heldout_loss", "perplexity", "unigram", "tokens", "seconds", "tokens_per_second",
                         "stopped_early", "batch", "length", "table"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "steps": return .number(Double(history.steps.count))
        case "loss": return last.map { .number($0.loss) } ?? .nilValue
        case "heldout_loss": return history.heldOutLoss.map { .number($0) } ?? .nilValue
        case "perplexity": return history.heldOutPerplexity.map { .number($0) } ?? .nilValue
        case "unigram": return unigram.map { .number($0) } ?? .nilValue
        case "tokens": return .number(Double(tokens))
        case "seconds": return secondsValue(seconds)
        case "tokens_per_second": return .number(last?.tokensPerSecond ?? 0)
        case "stopped_early": return .bool(history.stoppedEarly)
        case "batch": return .number(Double(options.batch))
        case "length": return .number(Double(options.length))
        case "table": return LabTables.make(records)
        default: return nil
        }
    }

    /// {step, loss, heldout, lr, tokens_per_second} per step (heldout nil where not evaluated).
    var records: [Record] {
        history.steps.map { step in
            Record([("step", .number(Double(step.step))), ("loss", .number(step.loss)),
                    ("heldout", step.heldOutLoss.map { .number($0) } ?? .nilValue), ("lr", .number(step.learningRate)),
                    ("tokens_per_second", .number(step.tokensPerSecond))])
        }
    }
}
