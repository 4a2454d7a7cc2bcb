import EffEnergy
import EffKernels
import EffLanguage
import EffModels
import EffUnits

/// The verdict on a claim with its evidence: SUPPORTED / NOT SUPPORTED / INCONCLUSIVE.
final class VerdictValue: EffObject {
    let result: ClaimResult
    /// The label of the energy figures (with the profile's citation), when energy was judged.
    let energySourceLabel: String?

    init(result: ClaimResult, energySourceLabel: String?) {
        self.result = result
        self.energySourceLabel = energySourceLabel
    }

    var typeName: String { "verdict" }

    /// One line per judged condition: the observed value, its interval, the bound and the condition's verdict.
    /// Machine-independent for estimates (no thread count or CPU name), so scripts can print it in transcripts.
    var evidence: [String] {
        result.results.map { condition in
            let bound = "\(condition.condition.metric.rawValue) \(condition.condition.relation.rawValue) "
            switch condition.condition.metric {
            case .energy, .latency:
                var text = "\(condition.condition.metric.rawValue) ratio \(EnergyLabels.ratio(condition.value))"
                if condition.interval.level < 1 {
                    text += " (\(Int((condition.interval.level * 100).rounded()))% CI "
                        + "\(EnergyLabels.ratio(condition.interval.lower))..\(EnergyLabels.ratio(condition.interval.upper)))"
                } else {
                    text += " (exact)"
                }
                if condition.condition.metric == .energy, let label = energySourceLabel { text += " [\(label)]" }
                return text + "; claim \(bound)\(EnergyLabels.ratio(condition.condition.bound)): \(condition.verdict.rawValue)"
            case .perplexity:
                guard let perplexity = result.perplexity else { return bound + ": no perplexity evidence" }
                // Three significant digits: perplexity ratios sit near 1, where "1/2.3" style would hide the interval.
                func digits(_ value: Double) -> String { String(format: "%.3g", value) }
                return "perplexity ratio \(digits(perplexity.ratio)) "
                    + "(\(digits(perplexity.candidatePerplexity)) vs \(digits(perplexity.baselinePerplexity)); "
                    + "\(Int((perplexity.interval.level * 100).rounded()))% CI \(digits(perplexity.interval.lower))"
                    + "..\(digits(perplexity.interval.upper)), paired over \(perplexity.windows) held-out windows); "
                    + "claim \(bound)\(digits(condition.condition.bound)): \(condition.verdict.rawValue)"
            case .accuracy:
                guard let accuracy = result.accuracy else { return bound + ": no accuracy evidence" }
                return "accuracy \(EnergyLabels.points(accuracy.difference)) "
                    + "(\(EnergyLabels.percent(accuracy.candidateAccuracy)) vs \(EnergyLabels.percent(accuracy.baselineAccuracy)); "
                    + "\(Int((accuracy.interval.level * 100).rounded()))% CI "
                    + "\(EnergyLabels.points(accuracy.interval.lower))..\(EnergyLabels.points(accuracy.interval.upper)); "
                    + "McNemar p = \(QuantityFormatter.formatNumber(accuracy.mcnemar.pValue)), "
                    + "\(accuracy.mcnemar.firstOnlyCorrect) only \(result.candidate) right, "
                    + "\(accuracy.mcnemar.secondOnlyCorrect) only \(result.baseline) right, of \(accuracy.examples)); "
                    + "claim \(bound)\(EnergyLabels.points(condition.condition.bound)): \(condition.verdict.rawValue)"
            }
        }
    }

    /// The conditions the evidence was gathered under, as one line.
    var conditionsLine: String {
        let conditions = result.conditions
        var parts: [String] = []
        if let dataset = conditions.dataset {
            parts.append("data \(dataset)" + (conditions.datasetSize.map { " (\($0) examples)" } ?? ""))
        }
        if let batch = conditions.batchSize { parts.append("batch \(batch)") }
        if !conditions.formats.isEmpty {
            parts.append("formats " + [result.candidate, result.baseline].compactMap { name in
                conditions.formats[name].map { "\(name) \($0)" }
            }.joined(separator: ", "))
        }
        // Threads and machine matter only to what was measured here (latency, metered energy); estimated
        // energy and accuracy are the same on every machine, so they are left out then.
        let measuredHere = result.latencyRatio != nil || (energySourceLabel.map { !$0.hasPrefix("estimated") } ?? false)
        if measuredHere, let threads = conditions.threads { parts.append("\(threads) thread\(threads == 1 ? "" : "s")") }
        if let source = energySourceLabel { parts.append("energy \(source)") }
        if measuredHere { parts.append("machine \(conditions.machine)") }
        return parts.joined(separator: "; ")
    }

    func display(_ context: DisplayContext) -> String {
        let body = (evidence + ["conditions: " + conditionsLine]).flatMap {
            EnergyLabels.wrap("  " + $0, width: context.width, indent: "      ")
        }
        return (["\(result.verdict.rawValue): \(result.candidate) vs \(result.baseline)"] + body).joined(separator: "\n")
    }

    static let fields = ["verdict", "candidate", "baseline", "energy_ratio", "energy_low", "energy_high", "energy_source",
                         "latency_ratio", "latency_low", "latency_high", "accuracy_difference", "accuracy_low",
                         "accuracy_high", "p_value", "candidate_accuracy", "baseline_accuracy", "evidence", "conditions"]
    var fieldNames: [String] { VerdictValue.fields }

    func field(_ name: String) -> Value? {
        func number(_ value: Double?) -> Value { value.map { .number($0) } ?? .nilValue }
        let energy = result.energyRatio, latency = result.latencyRatio, accuracy = result.accuracy
        switch name {
        case "verdict": return .string(result.verdict.rawValue)
        case "candidate": return .string(result.candidate)
        case "baseline": return .string(result.baseline)
        case "energy_ratio": return number(energy?.value)
        case "energy_low": return number(energy?.interval.lower)
        case "energy_high": return number(energy?.interval.upper)
        case "energy_source": return energySourceLabel.map { .string($0) } ?? .nilValue
        case "latency_ratio": return number(latency?.value)
        case "latency_low": return number(latency?.interval.lower)
        case "latency_high": return number(latency?.interval.upper)
        case "accuracy_difference": return number(accuracy?.difference)
        case "accuracy_low": return number(accuracy?.interval.lower)
        case "accuracy_high": return number(accuracy?.interval.upper)
        case "p_value": return number(accuracy?.mcnemar.pValue)
        case "candidate_accuracy": return number(accuracy?.candidateAccuracy)
        case "baseline_accuracy": return number(accuracy?.baselineAccuracy)
        case "evidence": return .list(evidence.map { .string($0) })
        case "conditions":
            let conditions = result.conditions
            return .record(Record([
                ("data", conditions.dataset.map { .string($0) } ?? .nilValue),
                ("examples", conditions.datasetSize.map { .number(Double($0)) } ?? .nilValue),
                ("batch", conditions.batchSize.map { .number(Double($0)) } ?? .nilValue),
                ("formats", .record(Record(conditions.formats.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))),
                ("threads", conditions.threads.map { .number(Double($0)) } ?? .nilValue),
                ("energy", energySourceLabel.map { .string($0) } ?? .nilValue),
                ("machine", .string(conditions.machine)),
                ("confidence", .number(conditions.confidenceLevel)),
                ("seed", .number(Double(conditions.seed))),
            ]))
        default: return nil
        }
    }
}

enum ClaimBuiltins {
    static let list: [Builtin] = [
        Builtin("claim", [.required("candidate"), .required("baseline"), .required("data"), .required("conditions"),
                          .optional("batch", .number(1)), .optional("profile", .string(EnergyProfileRegistry.defaultName)),
                          .optional("meter", .string("none")), .optional("budget", .quantity(Quantity(2, .time))),
                          .optional("tokens", .number(32)), .optional("repeats", .number(5)), .optional("limit"),
                          .optional("shots"), .optional("seed"), .optional("context")],
                category: "energy",
                summary: "Judges a claim about candidate vs baseline on data: conditions are records {metric: \"energy\"|\"latency\"|\"accuracy\", relation: \"<=\"|\"<\"|\">=\"|\">\", bound}; energy is estimated unless a meter is named. Language models on a prompt: energy is decode J/token, latency decode time per token (repeats interleaved runs of tokens tokens); on a benchmark also accuracy, from paired per-example outcomes (limit, shots, seed as in evaluate, or the benchmark's). Sequence models on token data: energy is estimated J/token at context (256), perplexity the ratio of held-out perplexities (paired bootstrap over windows).",
                example: "let d = split(dataset(\"digits\"), train: 0.8, seed: 1); claim(mlp([64, 16, 10]), mlp([64, 32, 10]), d.test, [{metric: \"energy\", relation: \"<=\", bound: 1/2}]).verdict") { arguments in
            if let lms = try TokenComparison.languageModels([arguments.value("candidate"), arguments.value("baseline")], function: "claim") {
                let (tokens, repeats) = try TokenComparison.counts(arguments, function: "claim")
                return .object(try TokenComparison.judge(
                    candidate: lms[0], baseline: lms[1], prompt: try TokenComparison.prompt(arguments, function: "claim"),
                    conditions: try parseConditions(try arguments.list("conditions")), tokens: tokens, repeats: repeats,
                    profile: try SessionProfiles.resolve(arguments.value("profile"), function: "claim"),
                    meter: try MeterBuiltins.choose(arguments.value("meter"), function: "claim"), arguments: arguments))
            }
            if case .object(let first as SequenceModelValue) = arguments.value("candidate"),
               case .object(let second as SequenceModelValue) = arguments.value("baseline") {
                return .object(try SequenceClaim.judge(candidate: first, baseline: second, arguments: arguments,
                                                       conditions: try parseConditions(try arguments.list("conditions")),
                                                       profile: try SessionProfiles.resolve(arguments.value("profile"), function: "claim")))
            }
            let candidate = try arguments.modelValue("candidate", function: "claim")
            let baseline = try arguments.modelValue("baseline", function: "claim")
            let data = try arguments.datasetValue("data", function: "claim").dataset
            let conditions = try parseConditions(try arguments.list("conditions"))
            let batch = try arguments.batchSize(function: "claim")
            let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "claim")
            let meter = try MeterBuiltins.choose(arguments.value("meter"), function: "claim")
            return .object(try judge(candidate: candidate, baseline: baseline, data: data, conditions: conditions, batch: batch,
                                     profile: profile, meter: meter, budget: try arguments.seconds("budget", function: "claim")))
        },
    ]

    /// Reads `[{metric, relation, bound}, …]` into EffEnergy's conditions.
    static func parseConditions(_ values: [Value]) throws -> [ClaimCondition] {
        guard !values.isEmpty else {
            throw RuntimeError("claim: 'conditions' is empty; state at least one, e.g. [{metric: \"energy\", relation: \"<=\", bound: 1/100}]",
                               argument: "conditions")
        }
        return try values.enumerated().map { index, value in
            let place = "claim: condition \(index + 1)"
            guard case .record(let record) = value else {
                throw RuntimeError("\(place) must be a record {metric, relation, bound}, got \(value.typeName)", argument: "conditions")
            }
            guard case .string(let metricName)? = record["metric"], let metric = ClaimMetric(rawValue: metricName) else {
                throw RuntimeError("\(place): metric must be one of " + ClaimMetric.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    + ", got \(record["metric"]?.display() ?? "nothing")", argument: "conditions")
            }
            guard case .string(let relationName)? = record["relation"], let relation = ClaimRelation(rawValue: relationName) else {
                throw RuntimeError("\(place): relation must be one of " + ClaimRelation.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    + ", got \(record["relation"]?.display() ?? "nothing")", argument: "conditions")
            }
            guard case .number(let bound)? = record["bound"], bound.isFinite else {
                throw RuntimeError("\(place): bound must be a finite number (a ratio for \(metric.rawValue)), got \(record["bound"]?.display() ?? "nothing")",
                                   argument: "conditions")
            }
            switch metric {
            case .energy, .latency, .perplexity:
                guard bound > 0 else {
                    throw RuntimeError("\(place): an \(metric.rawValue) bound is a ratio candidate/baseline and must be > 0, got \(Value.number(bound).text())",
                                       hint: "\"100x less\" is bound: 1/100", argument: "conditions")
                }
            case .accuracy:
                guard bound >= -1, bound <= 1 else {
                    throw RuntimeError("\(place): an accuracy bound is a difference of fractions within -1...1, got \(Value.number(bound).text())",
                                       hint: "one percentage point is 0.01", argument: "conditions")
                }
            }
            return ClaimCondition(metric, relation, bound)
        }
    }

    /// Gathers the evidence the conditions need and evaluates the claim.
    ///
    /// Accuracy: both models evaluated on `data` (paired by example). Energy: the estimate with
    /// `profile` (deterministic; the ratio is exact) unless a meter is given, then both are
    /// measured in one interleaved run. Latency conditions always run that interleaved measurement.
    static func judge(candidate: ModelValue, baseline: ModelValue, data: Dataset, conditions: [ClaimCondition], batch: Int,
                      profile: EnergyProfile, meter: (any EnergyMeter)?, budget: Double) throws -> VerdictValue {
        let (candidateName, baselineName) = candidate.model.name == baseline.model.name
            ? ("\(candidate.model.name) (candidate)", "\(baseline.model.name) (baseline)")
            : (candidate.model.name, baseline.model.name)
        let metrics = Set(conditions.map(\.metric))
        var systems = [SystemEvidence(name: candidateName, format: candidate.formatName),
                       SystemEvidence(name: baselineName, format: baseline.formatName)]
        let models = [candidate.model, baseline.model]
        if metrics.contains(.accuracy) {
            for index in 0..<2 {
                systems[index].correct = try ModelBenchmarks.rethrow("claim") { try models[index].evaluate(on: data).correct }
            }
        }
        var estimates: [EstimateValue] = []
        if metrics.contains(.energy) {
            estimates = try models.map { try EstimateValue.make($0, batch: batch, profile: profile, function: "claim") }
            for index in 0..<2 { systems[index].energy = estimates[index].figure }
        }
        if metrics.contains(.latency) || (metrics.contains(.energy) && meter != nil) {
            let benchmarks = try models.enumerated().map { index, model -> EffEnergy.Benchmark in
                var benchmark = try ModelBenchmarks.make(model, data: data, batch: batch, function: "claim")
                benchmark.name = systems[index].name
                return benchmark
            }
            let options = try ModelBenchmarks.options(budget: budget, targetInterval: 0.02, idle: false, function: "claim")
            let comparison = try ModelBenchmarks.rethrow("claim") {
                try EffEnergy.compare(benchmarks, options: options, meter: meter, estimator: nil)
            }
            for index in 0..<2 {
                let result = comparison.results[index]
                systems[index].latencySamples = result.latencySamples
                if metrics.contains(.energy), meter != nil {
                    guard let measured = result.measuredEnergy else {
                        throw RuntimeError("claim: the \(meter?.name ?? "") counter never moved while measuring \(systems[index].name); "
                            + "no measured energy (notes: \(result.notes.joined(separator: "; ")))",
                                           hint: "give a longer budget, or meter: \"none\" to use the estimate", argument: "meter")
                    }
                    systems[index].energy = measured
                    systems[index].energySamples = result.energySamples
                }
            }
        }
        let record = ClaimConditions(dataset: data.name, datasetSize: data.count, batchSize: batch,
                                     formats: [candidateName: candidate.formatName, baselineName: baseline.formatName],
                                     threads: KernelThreads.count,
                                     energySource: systems[0].energy.map { EnergyLabels.source($0.source) })
        return try verdict(conditions, systems[0], systems[1], record: record,
                           energySourceLabel: systems[0].energy.map { EnergyLabels.source($0.source) })
    }

    /// `evaluateClaim` on the gathered evidence, its errors reworded as the `claim` builtin's (for every kind of model).
    static func verdict(_ conditions: [ClaimCondition], _ candidate: SystemEvidence, _ baseline: SystemEvidence,
                        record: ClaimConditions, energySourceLabel: String?) throws -> VerdictValue {
        do {
            return VerdictValue(result: try evaluateClaim(conditions, candidate: candidate, baseline: baseline, conditions: record),
                                energySourceLabel: energySourceLabel)
        } catch let error as ClaimError {
            throw RuntimeError("claim: \(error.message)")
        } catch let error as StatisticsError {
            throw RuntimeError("claim: \(error.message)")
        }
    }
}
