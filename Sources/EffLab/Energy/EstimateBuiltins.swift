import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffModels
import EffUnits

/// The estimated energy of one inference of a model: total, compute/memory split and per layer,
/// always shown with its source (profile and citation).
final class EstimateValue: EffObject {
    let modelName: String
    let batch: Int
    let profile: EnergyProfile
    /// The estimate of one call on `batch` examples, by layer.
    let breakdown: LayerBreakdown
    /// Cache sizes the memory levels were chosen from (machine-dependent; shown with the estimate).
    let caches: CacheHierarchy

    init(modelName: String, batch: Int, profile: EnergyProfile, breakdown: LayerBreakdown, caches: CacheHierarchy) {
        self.modelName = modelName
        self.batch = batch
        self.profile = profile
        self.breakdown = breakdown
        self.caches = caches
    }

    /// Estimates `model` at `batch` with `profile` and this machine's caches.
    static func make(_ model: Model, batch: Int, profile: EnergyProfile, function: String) throws -> EstimateValue {
        let caches = CacheHierarchy.detect()
        let estimator = EnergyEstimator(profile: profile, caches: caches)
        do {
            let breakdown = try estimator.estimate(layers: EnergyLabels.layerWork(model, batch: batch))
            return EstimateValue(modelName: model.name, batch: batch, profile: profile, breakdown: breakdown, caches: caches)
        } catch let error as EnergyProfileError {
            throw RuntimeError("\(function): \(error.message)", argument: "profile")
        }
    }

    var total: EnergyEstimate { breakdown.total }
    /// Joules per inference (the call's energy over the batch).
    var joulesPerInference: Double { total.energy.joules / Double(batch) }
    /// The energy per inference as EffEnergy's labelled figure.
    var figure: EnergyFigure { EnergyFigure(joules: joulesPerInference, source: total.energy.source) }
    var sourceLabel: String { EnergyLabels.source(total.energy.source) }

    var typeName: String { "estimate" }

    /// {layer, energy, compute, memory} per inference for each layer.
    var layerRecords: [Record] {
        breakdown.layers.map { layer in
            Record([("layer", .string(layer.name)), ("energy", joules(layer.estimate.energy.joules / Double(batch))),
                    ("compute", joules(layer.estimate.computeJoules / Double(batch))),
                    ("memory", joules(layer.estimate.memoryJoules / Double(batch)))])
        }
    }

    func display(_ context: DisplayContext) -> String {
        let perInference = joules(joulesPerInference).text(context)
        var lines = ["estimate \(modelName): \(perInference) per inference (batch \(batch)) [\(sourceLabel)]"]
        let memoryShare = EnergyLabels.percent(total.memoryFraction)
        lines.append("  compute \(joules(total.computeJoules / Double(batch)).text(context)), "
            + "memory \(joules(total.memoryJoules / Double(batch)).text(context)) (\(memoryShare)): "
            + "weights in \(total.weightTraffic.level.rawValue), activations in \(total.activationTraffic.level.rawValue) "
            + "(caches \(caches))")
        let names = layerRecords.map { $0["layer"]?.text(context) ?? "" }
        let width = max(5, names.map(\.count).max() ?? 0)
        for (record, name) in zip(layerRecords, names) {
            let cells = ["energy", "compute", "memory"].map { "\($0) " + (record[$0]?.text(context) ?? "") }
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + cells.joined(separator: ", "))
        }
        if !total.assumptions.isEmpty {
            lines.append("  assumptions: " + total.assumptions.joined(separator: "; "))
        }
        return lines.flatMap { EnergyLabels.wrap($0, width: context.width, indent: "      ") }.joined(separator: "\n")
    }

    static let fields = ["energy", "compute", "memory", "memory_fraction", "layers", "source", "profile", "batch",
                         "model", "weights_level", "activations_level", "caches", "assumptions"]
    var fieldNames: [String] { EstimateValue.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "energy": return joules(joulesPerInference)
        case "compute": return joules(total.computeJoules / Double(batch))
        case "memory": return joules(total.memoryJoules / Double(batch))
        case "memory_fraction": return .number(total.memoryFraction)
        case "layers": return .object(Table(records: layerRecords))
        case "source": return .string(sourceLabel)
        case "profile": return .string(profile.name)
        case "batch": return .number(Double(batch))
        case "model": return .string(modelName)
        case "weights_level": return .string(total.weightTraffic.level.rawValue)
        case "activations_level": return .string(total.activationTraffic.level.rawValue)
        case "caches": return .string("\(caches)")
        case "assumptions": return .list(total.assumptions.map { .string($0) })
        default: return nil
        }
    }
}

enum EstimateBuiltins {
    static let list: [Builtin] = [
        Builtin("estimate", [.required("model"), .optional("batch", .number(1)),
                             .optional("profile", .string(EnergyProfileRegistry.defaultName)),
                             .optional("prompt_tokens", .number(128)), .optional("gen_tokens", .number(64)),
                             .optional("contexts", .list([])), .optional("formats", .list([])),
                             .optional("cache", .string("f32")), .optional("batches", .list([])),
                             .optional("context", .number(256)), .optional("training"), .optional("length")],
                category: "energy",
                summary: "Estimated energy from exact operation and byte counts priced with a profile, always labelled with its source: per inference for a model (total, compute vs memory, per layer); per token for a language model (prefill and decode at context prompt_tokens and prompt_tokens + gen_tokens, by part; decode at each of `contexts` for each of `formats`; `batch` sequences decoded together, and decode at context prompt_tokens for each of `batches`); "
                    + "per generated token at `context` for a sequence model (by part, with its cache), and for a training run when "
                    + "`training` is a number of steps (of `batch` × `length` tokens; 16 × 64 unless given), a history or true "
                    + "(its last run); a list of sequence models gives a table, one row per model.",
                example: "estimate(mlp([64, 128, 10]), batch: 1).energy") { arguments in
            let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "estimate")
            if let sequence = try SequenceBuiltins.estimate(arguments, profile: profile) { return sequence }
            if case .object(let object) = arguments.value("model"), let lm = object as? LanguageModelValue {
                return .object(try languageModelEstimate(lm.model, arguments, profile: profile))
            }
            let model = try arguments.modelValue("model", function: "estimate").model
            let batch = try arguments.batchSize(function: "estimate")
            return .object(try EstimateValue.make(model, batch: batch, profile: profile, function: "estimate"))
        },
    ]

    /// `estimate(lm, prompt_tokens:, gen_tokens:, contexts:, formats:, cache:, batch:, batches:)`.
    static func languageModelEstimate(_ model: LanguageModel, _ arguments: Arguments, profile: EnergyProfile) throws -> TokenEstimateValue {
        let limit = model.config.contextLength
        let prompt = try arguments.integer("prompt_tokens"), generated = try arguments.integer("gen_tokens")
        guard (1...limit).contains(prompt) else {
            throw RuntimeError("estimate: prompt_tokens must be within 1...\(limit) (the model's context), got \(prompt)", argument: "prompt_tokens")
        }
        guard generated >= 0 else { throw RuntimeError("estimate: gen_tokens must be ≥ 0, got \(generated)", argument: "gen_tokens") }
        let batch = try arguments.integer("batch")
        guard (1...4096).contains(batch) else {
            throw RuntimeError("estimate: batch (sequences decoded together) must be within 1...4096, got \(batch)", argument: "batch")
        }
        let batches = try arguments.list("batches").map { value -> Int in
            guard case .number(let n) = value, n == n.rounded(), n >= 1, n <= 4096 else {
                throw RuntimeError("estimate: batches must be whole numbers within 1...4096, got \(value.display())", argument: "batches")
            }
            return Int(n)
        }
        let contexts = try arguments.list("contexts").map { value -> Int in
            guard case .number(let n) = value, n == n.rounded(), n >= 1, n <= Double(limit) else {
                throw RuntimeError("estimate: contexts must be whole numbers within 1...\(limit), got \(value.display())", argument: "contexts")
            }
            return Int(n)
        }
        var formats = try arguments.list("formats").map { value -> String in
            guard case .string(let name) = value else {
                throw RuntimeError("estimate: formats must be format names such as \"q8_0\", got \(value.typeName)", argument: "formats")
            }
            return name
        }
        if formats.isEmpty { formats = [model.weightFormatName] }
        guard let cache = KVCache.Precision(rawValue: try arguments.string("cache")) else {
            throw RuntimeError("estimate: cache must be \"f32\" or \"f16\"", argument: "cache")
        }
        return try TokenEstimateValue.make(model, promptTokens: prompt, generatedTokens: generated, cache: cache, contexts: contexts,
                                           formats: formats, profile: profile, batch: batch, batches: batches, function: "estimate")
    }
}
