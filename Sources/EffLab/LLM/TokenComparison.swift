import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffNumerics
import EffUnits

/// `compare` and `claim` for language models: the models measured on one prompt in interleaved rounds, judged on
/// decode energy per token (J/token) and decode time per token; accuracy of language models is a later issue.
enum TokenComparison {
    /// The columns of compare's table for language models, in order.
    static let columns = ["name", "format", "prefill_tokens_per_s", "decode_tokens_per_s", "decode_time_ratio",
                          "decode_time_low", "decode_time_high", "prefill_energy", "decode_energy", "energy_ratio", "energy_source"]

    /// The language models of a `models` list, or nil when it holds none (then it is a list of MLPs).
    static func languageModels(_ values: [Value], function: String) throws -> [LanguageModel]? {
        let models = values.compactMap { value -> LanguageModel? in
            guard case .object(let object) = value, let lm = object as? LanguageModelValue else { return nil }
            return lm.model
        }
        if models.isEmpty { return nil }
        guard models.count == values.count else {
            throw RuntimeError("\(function): 'models' mixes language models with other values; compare language models with language models",
                               argument: "models")
        }
        return models
    }

    /// The prompt: `data` must be text for language models.
    static func prompt(_ arguments: Arguments, function: String) throws -> String {
        guard case .string(let prompt) = arguments.value("data") else {
            throw RuntimeError("\(function): for language models, 'data' is the prompt text, got \(arguments.value("data").typeName)",
                               argument: "data")
        }
        return prompt
    }

    /// `tokens` (≥ 2: one prefill token and at least one decode step) and `repeats` (≥ 2 for a ratio's interval).
    static func counts(_ arguments: Arguments, function: String) throws -> (tokens: Int, repeats: Int) {
        let tokens = try arguments.integer("tokens"), repeats = try arguments.integer("repeats")
        guard tokens >= 2 else { throw RuntimeError("\(function): tokens must be ≥ 2 (a decode step to compare), got \(tokens)", argument: "tokens") }
        guard (2...1000).contains(repeats) else {
            throw RuntimeError("\(function): repeats must be within 2...1000 (a ratio needs repeated runs), got \(repeats)", argument: "repeats")
        }
        return (tokens, repeats)
    }

    /// Decode seconds per token of each run.
    static func decodeSecondsPerToken(_ m: TokenMeasurementValue) -> [Double] {
        m.runs.map { $0.decodeSeconds / Double(m.decodeSteps) }
    }

    /// compare's table: one row per model, ratios to the first.
    static func table(_ models: [LanguageModel], prompt: String, tokens: Int, repeats: Int, meter: (any EnergyMeter)?,
                      profile: EnergyProfile) throws -> Table {
        let measured = try TokenMeasurementValue.interleaved(models, prompt: prompt, tokens: tokens, repeats: repeats, meter: meter,
                                                             idle: false, profile: profile, function: "compare")
        let baseline = measured[0]
        var rows: [[Value]] = []
        for m in measured {
            let ratio = try ModelBenchmarks.rethrow("compare") {
                try Statistics.ratioConfidenceInterval(numerator: decodeSecondsPerToken(m), denominator: decodeSecondsPerToken(baseline))
            }
            let energy = Statistics.meanOrNaN(m.decodeEnergies), base = Statistics.meanOrNaN(baseline.decodeEnergies)
            rows.append([.string(m.modelName), .string(m.format), .number(Quantiles.median(m.prefillRates)),
                         .number(Quantiles.median(m.decodeRates)), .number(ratio.value),
                         ratio.confidenceInterval.map { .number($0.lower) } ?? .nilValue,
                         ratio.confidenceInterval.map { .number($0.upper) } ?? .nilValue,
                         joules(Statistics.meanOrNaN(m.prefillEnergies)), joules(energy),
                         base > 0 ? .number(energy / base) : .nilValue, .string(m.energySourceLabel)])
        }
        return try Table(columns: columns, rows: rows)
    }

    /// claim for language models: energy = decode J/token (the estimate, exact, unless a meter is named: then measured
    /// per run), latency = decode seconds per token from interleaved runs.
    static func judge(candidate: LanguageModel, baseline: LanguageModel, prompt: String, conditions: [ClaimCondition],
                      tokens: Int, repeats: Int, profile: EnergyProfile, meter: (any EnergyMeter)?) throws -> VerdictValue {
        if conditions.contains(where: { $0.metric == .accuracy }) {
            throw RuntimeError("claim: accuracy claims about language models are not supported yet (energy and latency are)",
                               argument: "conditions")
        }
        let (candidateName, baselineName) = candidate.name == baseline.name
            ? ("\(candidate.name) (candidate)", "\(baseline.name) (baseline)") : (candidate.name, baseline.name)
        let metrics = Set(conditions.map(\.metric))
        var systems = [SystemEvidence(name: candidateName, format: candidate.weightFormatName),
                       SystemEvidence(name: baselineName, format: baseline.weightFormatName)]
        let needsRuns = metrics.contains(.latency) || meter != nil
        let measured = try TokenMeasurementValue.interleaved([candidate, baseline], prompt: prompt, tokens: tokens,
                                                             repeats: needsRuns ? repeats : 0, meter: meter, idle: false,
                                                             profile: profile, function: "claim")
        for index in 0..<2 {
            let m = measured[index]
            if metrics.contains(.energy) {
                let source = m.meterSource ?? m.estimate.decode.source
                systems[index].energy = EnergyFigure(joules: Statistics.meanOrNaN(m.decodeEnergies), source: source)
                if meter != nil { systems[index].energySamples = m.decodeEnergies }
            }
            if needsRuns { systems[index].latencySamples = decodeSecondsPerToken(m) }
        }
        let label = systems[0].energy.map { EnergyLabels.source($0.source) }
        let record = ClaimConditions(dataset: "prompt of \(measured[0].promptTokens) tokens, \(tokens) generated", batchSize: 1,
                                     formats: [candidateName: candidate.weightFormatName, baselineName: baseline.weightFormatName],
                                     threads: KernelThreads.count, energySource: label)
        do {
            return VerdictValue(result: try evaluateClaim(conditions, candidate: systems[0], baseline: systems[1], conditions: record),
                                energySourceLabel: label)
        } catch let error as ClaimError {
            throw RuntimeError("claim: \(error.message)")
        } catch let error as StatisticsError {
            throw RuntimeError("claim: \(error.message)")
        }
    }
}
