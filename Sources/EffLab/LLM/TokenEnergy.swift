import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffUnits
import Foundation

/// A `TokenCost` priced with an energy profile: joules of each part, compute vs memory, and per token.
///
/// Memory levels (one rule, the MLP estimator's): weights and the KV cache are placed by everything a token touches
/// (resident weights + the KV cache: they cycle through the caches every token); activations by the decoder's
/// activation buffers for the step. Each byte count becomes ⌈bytes / 8⌉ 64-bit accesses priced at that level.
struct TokenEnergy {
    struct PartEnergy {
        let part: TokenCost.Part
        /// Joules of the whole step (divide by `tokens` for per token).
        let compute: Double
        let memory: Double
        var joules: Double { compute + memory }
    }

    let cost: TokenCost
    let parts: [PartEnergy]
    let weightsLevel: MemoryLevel
    let cacheLevel: MemoryLevel
    let activationsLevel: MemoryLevel
    let assumptions: [String]
    let source: EnergySource

    var tokens: Double { Double(cost.tokens) }
    var compute: Double { parts.reduce(0) { $0 + $1.compute } }
    var memory: Double { parts.reduce(0) { $0 + $1.memory } }
    var joules: Double { compute + memory }
    /// Joules per token of the step.
    var perToken: Double { joules / tokens }
    func part(_ part: TokenCost.Part) -> PartEnergy { parts.first { $0.part == part }! }

    /// Prices every part of `cost` with `estimator`.
    static func price(_ cost: TokenCost, estimator: EnergyEstimator) throws -> TokenEnergy {
        let footprint = cost.residentWeightBytes + cost.cacheBytes
        let workingSet = WorkingSet(weightBytes: footprint, activationBytes: cost.activationBufferBytes)
        var parts: [PartEnergy] = []
        var assumptions: [String] = []
        var source = EnergySource.estimated(profile: estimator.profile.name)
        for part in cost.parts {
            var work = part.work
            work.activationBytesRead -= part.kvBytesRead
            work.activationBytesWritten -= part.kvBytesWritten
            let main = try estimator.estimate(work, workingSet: workingSet)
            var memory = main.memoryJoules
            var notes = main.assumptions
            if part.kvBytesRead + part.kvBytesWritten > 0 {
                let kv = Work(activationBytesRead: part.kvBytesRead, activationBytesWritten: part.kvBytesWritten)
                let traffic = try estimator.estimate(kv, workingSet: WorkingSet(weightBytes: 0, activationBytes: footprint))
                memory += traffic.memoryJoules
                notes += traffic.assumptions
            }
            for note in notes where !assumptions.contains(note) { assumptions.append(note) }
            source = main.energy.source
            parts.append(PartEnergy(part: part.part, compute: main.computeJoules, memory: memory))
        }
        return TokenEnergy(cost: cost, parts: parts, weightsLevel: estimator.caches.level(forWorkingSet: footprint),
                           cacheLevel: estimator.caches.level(forWorkingSet: footprint),
                           activationsLevel: estimator.caches.level(forWorkingSet: cost.activationBufferBytes),
                           assumptions: assumptions, source: source)
    }
}

/// `estimate(lm, prompt_tokens:, gen_tokens:)`: estimated joules per token of prefill and decode, by part and compute
/// vs memory, at the contexts asked and for hypothetical weight formats; always labelled with the profile.
final class TokenEstimateValue: EffObject {
    let modelName: String
    let profile: EnergyProfile
    let caches: CacheHierarchy
    let promptTokens: Int
    let generatedTokens: Int
    /// The prompt in one pass; decode at context = prompt_tokens and at prompt_tokens + gen_tokens.
    let prefill: TokenEnergy
    let decode: TokenEnergy
    let decodeEnd: TokenEnergy
    /// Mean J/token of decode steps at contexts prompt_tokens+1 … prompt_tokens+gen_tokens.
    let decodeMean: Double
    /// Decode J/token against context for each format (context → format → J/token).
    let contexts: [Int]
    let formats: [String]
    let byContext: [[TokenEnergy]]  // [context][format]
    /// Sequences decoded together in the decode phases and `byContext` (each with its own cache).
    let batch: Int
    /// Decode J/token at context prompt_tokens against batch size for each format ([batch][format]).
    let batches: [Int]
    let byBatch: [[TokenEnergy]]

    init(modelName: String, profile: EnergyProfile, caches: CacheHierarchy, promptTokens: Int, generatedTokens: Int,
         prefill: TokenEnergy, decode: TokenEnergy, decodeEnd: TokenEnergy, decodeMean: Double, contexts: [Int],
         formats: [String], byContext: [[TokenEnergy]], batch: Int = 1, batches: [Int] = [], byBatch: [[TokenEnergy]] = []) {
        self.batch = batch
        self.batches = batches
        self.byBatch = byBatch
        self.modelName = modelName
        self.profile = profile
        self.caches = caches
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.prefill = prefill
        self.decode = decode
        self.decodeEnd = decodeEnd
        self.decodeMean = decodeMean
        self.contexts = contexts
        self.formats = formats
        self.byContext = byContext
    }

    /// Costs and prices everything an `estimate(lm, …)` call asks for.
    static func make(_ model: LanguageModel, promptTokens: Int, generatedTokens: Int, cache: KVCache.Precision,
                     contexts: [Int], formats: [String], profile: EnergyProfile, caches: CacheHierarchy = .detect(),
                     batch: Int = 1, batches: [Int] = [], function: String) throws -> TokenEstimateValue {
        let estimator = EnergyEstimator(profile: profile, caches: caches)
        let limit = model.config.contextLength
        guard promptTokens + generatedTokens <= limit else {
            throw RuntimeError("\(function): prompt_tokens + gen_tokens = \(promptTokens + generatedTokens) exceeds the model's context of \(limit) tokens",
                               argument: "gen_tokens")
        }
        return try LanguageModelBuiltins.passing(function) {
            do {
                func price(_ cost: TokenCost) throws -> TokenEnergy { try TokenEnergy.price(cost, estimator: estimator) }
                let end = promptTokens + max(generatedTokens, 0)
                var mean = 0.0
                if generatedTokens > 0 {
                    for context in (promptTokens + 1)...end {
                        mean += try price(TokenCost.decode(model, context: context, cachePrecision: cache, batch: batch)).perToken
                    }
                    mean /= Double(generatedTokens)
                }
                func substitute(_ format: String) -> String? {
                    format.lowercased() == model.weightFormatName.lowercased() ? nil : format
                }
                let byContext = try contexts.map { context in
                    try formats.map { format in
                        try price(TokenCost.decode(model, context: context, cachePrecision: cache, format: substitute(format), batch: batch))
                    }
                }
                let byBatch = try batches.map { size in
                    try formats.map { format in
                        try price(TokenCost.decode(model, context: promptTokens, cachePrecision: cache, format: substitute(format), batch: size))
                    }
                }
                return TokenEstimateValue(
                    modelName: model.name, profile: profile, caches: caches, promptTokens: promptTokens,
                    generatedTokens: generatedTokens,
                    prefill: try price(TokenCost.prefill(model, promptTokens: promptTokens, cachePrecision: cache)),
                    decode: try price(TokenCost.decode(model, context: promptTokens, cachePrecision: cache, batch: batch)),
                    decodeEnd: try price(TokenCost.decode(model, context: max(end, 1), cachePrecision: cache, batch: batch)),
                    decodeMean: mean, contexts: contexts, formats: formats, byContext: byContext,
                    batch: batch, batches: batches, byBatch: byBatch)
            } catch let error as EnergyProfileError {
                throw RuntimeError("\(function): \(error.message)", argument: "profile")
            }
        }
    }

    var sourceLabel: String { EnergyLabels.source(prefill.source) }
    var typeName: String { "llm estimate" }

    /// The phases shown: (name, context, step).
    var phases: [(name: String, energy: TokenEnergy)] {
        [("prefill", prefill), ("decode", decode), ("decode_end", decodeEnd)]
    }

    /// {phase, context, tokens, energy, compute, memory, memory_fraction} per phase, per token.
    var phaseRecords: [Record] {
        phases.map { name, e in
            Record([("phase", .string(name)), ("context", .number(Double(e.cost.context))), ("tokens", .number(e.tokens)),
                    ("energy", joules(e.perToken)), ("compute", joules(e.compute / e.tokens)),
                    ("memory", joules(e.memory / e.tokens)), ("memory_fraction", .number(e.joules > 0 ? e.memory / e.joules : 0))])
        }
    }

    /// {phase, context, part, energy, compute, memory} per phase and part, per token (long format, for CSV and charts).
    var breakdownRecords: [Record] {
        phases.flatMap { name, e in
            e.parts.map { p in
                Record([("phase", .string(name)), ("context", .number(Double(e.cost.context))), ("part", .string(p.part.rawValue)),
                        ("energy", joules(p.joules / e.tokens)), ("compute", joules(p.compute / e.tokens)),
                        ("memory", joules(p.memory / e.tokens))])
            }
        }
    }

    /// {context, <format>: J/token, …}: decode energy per token against context, one column per format (for `line`).
    var byContextRecords: [Record] {
        zip(contexts, byContext).map { context, row in
            Record([("context", .number(Double(context)))] + zip(formats, row).map { ($0.lowercased(), joules($1.perToken)) })
        }
    }

    /// {batch, <format>: J/token, …}: decode energy per token at context prompt_tokens against batch size.
    var byBatchRecords: [Record] {
        zip(batches, byBatch).map { size, row in
            Record([("batch", .number(Double(size)))] + zip(formats, row).map { ($0.lowercased(), joules($1.perToken)) })
        }
    }

    func display(_ context: DisplayContext) -> String {
        func j(_ value: Double) -> String { joules(value).text(context) }
        func pad(_ text: String, _ n: Int) -> String { text.padding(toLength: max(n, text.count), withPad: " ", startingAt: 0) }
        func row(_ cells: [String], _ widths: [Int]) -> String {
            "  " + zip(cells, widths).map { pad($0, $1) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var lines = ["estimate \(modelName), \(decode.cost.formatName) weights, \(decode.cost.cachePrecision.rawValue) KV cache"
                     + (batch > 1 ? ", decode batch \(batch)" : "") + ": energy per token [\(sourceLabel)]"]
        let names = ["prefill \(promptTokens)", "decode @\(decode.cost.context)", "decode @\(decodeEnd.cost.context)"]
        let widths = [max(14, names.map(\.count).max()!), 10, 10, 10, 8]
        lines.append(row(["phase", "per token", "compute", "memory", "memory %"], widths))
        for (name, phase) in zip(names, phases.map(\.energy)) {
            lines.append(row([name, j(phase.perToken), j(phase.compute / phase.tokens), j(phase.memory / phase.tokens),
                              EnergyLabels.percent(phase.joules > 0 ? phase.memory / phase.joules : 0)], widths))
        }
        if generatedTokens > 0 { lines.append(row(["decode mean", j(decodeMean)], widths)) }
        let partWidths = [14, 12, 12, 12]
        lines.append(row(["part", names[0], names[1], names[2]], partWidths))
        for part in TokenCost.Part.allCases {
            lines.append(row([part.rawValue] + phases.map { j($0.energy.part(part).joules / $0.energy.tokens) }, partWidths))
        }
        lines.append("  weights and KV cache in \(decode.weightsLevel.rawValue), decode activations in \(decode.activationsLevel.rawValue) "
                     + "(caches \(caches))")
        if !contexts.isEmpty {
            let formatWidths = [14] + formats.map { _ in 10 }
            lines.append(row(["decode context"] + formats.map { $0.lowercased() }, formatWidths))
            for (c, energies) in zip(contexts, byContext) {
                lines.append(row(["\(c)"] + energies.map { j($0.perToken) }, formatWidths))
            }
        }
        if !batches.isEmpty {
            let formatWidths = [14] + formats.map { _ in 10 }
            lines.append(row(["decode batch"] + formats.map { $0.lowercased() }, formatWidths))
            for (size, energies) in zip(batches, byBatch) {
                lines.append(row(["\(size)"] + energies.map { j($0.perToken) }, formatWidths))
            }
        }
        if !prefill.assumptions.isEmpty { lines.append("  assumptions: " + prefill.assumptions.joined(separator: "; ")) }
        return lines.flatMap { EnergyLabels.wrap($0, width: context.width, indent: "      ") }.joined(separator: "\n")
    }

    static let fields = ["model", "format", "cache", "profile", "source", "prompt_tokens", "gen_tokens", "prefill", "decode",
                         "decode_end", "decode_mean", "phases", "breakdown", "by_context", "batch", "by_batch", "weights_level",
                         "activations_level", "caches", "assumptions"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "model": return .string(modelName)
        case "format": return .string(decode.cost.formatName)
        case "cache": return .string(decode.cost.cachePrecision.rawValue)
        case "profile": return .string(profile.name)
        case "source": return .string(sourceLabel)
        case "prompt_tokens": return .number(Double(promptTokens))
        case "gen_tokens": return .number(Double(generatedTokens))
        case "prefill": return joules(prefill.perToken)
        case "decode": return joules(decode.perToken)
        case "decode_end": return joules(decodeEnd.perToken)
        case "decode_mean": return generatedTokens > 0 ? joules(decodeMean) : .nilValue
        case "phases": return LabTables.make(phaseRecords)
        case "breakdown": return LabTables.make(breakdownRecords)
        case "by_context": return LabTables.make(byContextRecords)
        case "batch": return .number(Double(batch))
        case "by_batch": return LabTables.make(byBatchRecords)
        case "weights_level": return .string(decode.weightsLevel.rawValue)
        case "activations_level": return .string(decode.activationsLevel.rawValue)
        case "caches": return .string("\(caches)")
        case "assumptions": return .list(prefill.assumptions.map { .string($0) })
        default: return nil
        }
    }
}
