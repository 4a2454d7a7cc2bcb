import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffNumerics
import EffUnits

/// `compare` and `claim` for language models: the models measured on one prompt in interleaved rounds, judged on
/// decode energy per token (J/token) and decode time per token, and on a benchmark's paired per-example outcomes.
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

    /// The prompt: `data` must be text for language models, or a benchmark (its first question is the prompt of the
    /// timed runs).
    static func prompt(_ arguments: Arguments, function: String) throws -> String {
        if let task = BenchmarkBuiltins.task(arguments.value("data")) { return task.examples[0].question }
        guard case .string(let prompt) = arguments.value("data") else {
            throw RuntimeError("\(function): for language models, 'data' is the prompt text or a benchmark, got \(arguments.value("data").typeName)",
                               argument: "data")
        }
        return prompt
    }

    /// Both models run on a benchmark (same examples, shots, seed): per-example correctness for paired statistics.
    static func benchmarkOutcomes(_ models: [LanguageModel], _ arguments: Arguments, function: String) throws
        -> (correct: [[Bool]], description: String)? {
        guard let task = BenchmarkBuiltins.task(arguments.value("data")) else { return nil }
        let options = try BenchmarkBuiltins.options(arguments, function)
        let runs = try models.map {
            try BenchmarkBuiltins.run($0, task, options: options, references: false, arguments: arguments, function: function)
        }
        if let partial = runs.first(where: \.partial) {
            throw RuntimeError("\(function): interrupted after \(partial.outcomes.count) of \(partial.planned) examples; a claim needs every model on the same examples")
        }
        let shots = task.kind == .generation ? "\(options.shots)-shot" : "zero-shot"
        return (runs.map { $0.outcomes.map(\.correct) },
                "\(task.name) (\(shots), seed \(options.seed), \(runs[0].outcomes.count) of \(task.examples.count) examples)")
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
    /// With benchmark `outcomes` (per model, per example) the table gains accuracy, its 95% CI and McNemar's p against
    /// the first model.
    static func table(_ models: [LanguageModel], prompt: String, tokens: Int, repeats: Int, meter: (any EnergyMeter)?,
                      profile: EnergyProfile, outcomes: (correct: [[Bool]], description: String)? = nil) throws -> Table {
        let measured = try TokenMeasurementValue.interleaved(models, prompt: prompt, tokens: tokens, repeats: repeats, meter: meter,
                                                             idle: false, profile: profile, function: "compare")
        let baseline = measured[0]
        var rows: [[Value]] = []
        for (index, m) in measured.enumerated() {
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
            if let correct = outcomes?.correct {
                rows[index] += try accuracyCells(correct[index], baseline: correct[0])
            }
        }
        return try Table(columns: columns + (outcomes == nil ? [] : accuracyColumns), rows: rows)
    }

    static let accuracyColumns = ["accuracy", "accuracy_low", "accuracy_high", "mcnemar_p"]

    /// Accuracy, its Clopper–Pearson 95% interval and McNemar's exact p against the baseline's outcomes.
    static func accuracyCells(_ correct: [Bool], baseline: [Bool]) throws -> [Value] {
        let right = correct.filter { $0 }.count
        return try ModelBenchmarks.rethrow("compare") {
            let interval = try Distributions.clopperPearsonInterval(successes: right, trials: correct.count)
            let test = try McNemarTest(first: correct, second: baseline)
            return [.number(Double(right) / Double(max(1, correct.count))), .number(interval.lower), .number(interval.upper),
                    .number(test.pValue)]
        }
    }

    /// claim for language models: energy = decode J/token (the estimate, exact, unless a meter is named: then measured
    /// per run), latency = decode seconds per token from interleaved runs.
    /// Accuracy: paired per-example outcomes on a benchmark (`arguments`' data, limit, shots, seed): McNemar's test and
    /// the bootstrap CI of the difference, as for MLPs.
    static func judge(candidate: LanguageModel, baseline: LanguageModel, prompt: String, conditions: [ClaimCondition],
                      tokens: Int, repeats: Int, profile: EnergyProfile, meter: (any EnergyMeter)?,
                      arguments: Arguments) throws -> VerdictValue {
        var outcomes: (correct: [[Bool]], description: String)?
        if conditions.contains(where: { $0.metric == .accuracy }) {
            outcomes = try benchmarkOutcomes([candidate, baseline], arguments, function: "claim")
            guard outcomes != nil else {
                throw RuntimeError("claim: accuracy claims about language models need a benchmark as data, e.g. benchmark(\"gsm8k\")",
                                   argument: "data")
            }
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
            systems[index].correct = outcomes?.correct[index]
        }
        let label = systems[0].energy.map { EnergyLabels.source($0.source) }
        let timed = "prompt of \(measured[0].promptTokens) tokens, \(tokens) generated"
        let record = ClaimConditions(dataset: outcomes.map { "\($0.description); \(needsRuns ? "timed" : "J/token") on a \(timed)" } ?? timed,
                                     batchSize: 1,
                                     formats: [candidateName: candidate.weightFormatName, baselineName: baseline.weightFormatName],
                                     threads: KernelThreads.count, energySource: label)
        return try ClaimBuiltins.verdict(conditions, systems[0], systems[1], record: record, energySourceLabel: label)
    }
}
