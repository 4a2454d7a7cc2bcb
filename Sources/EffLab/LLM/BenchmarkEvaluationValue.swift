import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffNumerics
import EffUnits
import Foundation

/// What `evaluate(lm, benchmark)` returns: accuracy with its 95% interval, per-example outcomes, tokens, time and
/// estimated energy, and the conditions (model, shots, seed, limit, threads, profile).
///
///     gsm8k · SmolLM2 135M (Q4_1) · 5-shot, seed 1234, 100 of 1,314 examples
///       accuracy   3.0% (3/100), 95% CI 0.6%–8.5% (Clopper–Pearson)
///       tokens     98,765 through the model in 7 min 12 s (228 tokens/s), 9,876 generated
///       energy     1.2 J (12 µJ/token), estimated, profile horowitz-45nm (…)
final class BenchmarkEvaluationValue: EffObject {
    let run: BenchmarkRun
    let modelName: String
    let format: String
    let threads: Int
    let interval: ConfidenceInterval
    /// Estimated joules of each outcome's forward passes, in outcome order. // joules
    let energies: [Double]
    let energySource: String

    init(_ run: BenchmarkRun, model: LanguageModel, profile: EnergyProfile) throws {
        self.run = run
        modelName = model.name
        format = model.weightFormatName
        threads = KernelThreads.count
        interval = run.outcomes.isEmpty ? ConfidenceInterval(lower: 0, upper: 1, level: 0.95)
            : try Distributions.clopperPearsonInterval(successes: run.correctCount, trials: run.outcomes.count)
        let estimator = EnergyEstimator(profile: profile, caches: .detect())
        // Decode steps repeat the same (position, 1) passes across examples: price each pass shape once.
        var prices: [ForwardPass: Double] = [:]
        energies = try run.outcomes.map { outcome in
            try outcome.forwardPasses.reduce(0) { total, pass in
                if let price = prices[pass] { return total + price }
                let cost = try LanguageModelBuiltins.passing("evaluate") {
                    try TokenCost.forward(model, start: pass.start, count: pass.count, cachePrecision: .f32)
                }
                let price = try TokenEnergy.price(cost, estimator: estimator).joules
                prices[pass] = price
                return total + price
            }
        }
        energySource = EnergyLabels.source(.estimated(profile: profile.name))
    }

    var typeName: String { "llm evaluation" }

    var totalEnergy: Double { energies.reduce(0, +) }
    var joulesPerToken: Double { run.processedTokens > 0 ? totalEnergy / Double(run.processedTokens) : .nan }

    /// "5-shot, seed 1234, 100 of 1,314 examples".
    var conditions: String {
        var parts: [String] = []
        if run.kind == .generation { parts.append("\(run.options.shots)-shot") } else { parts.append("zero-shot") }
        if run.options.chat { parts.append("chat template") }
        parts.append("seed \(run.options.seed)")
        parts.append("\(LabFormat.grouped(run.outcomes.count)) of \(LabFormat.grouped(run.planned)) examples")
        parts.append("\(threads) thread\(threads == 1 ? "" : "s")")
        return parts.joined(separator: ", ")
    }

    func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        func q(_ value: Double, _ dimension: EffUnits.Dimension) -> String { Value.quantity(Quantity(value, dimension)).display(context) }
        var lines = ["\(run.task)\(dot)\(modelName) (\(format))\(dot)\(conditions)"]
        let count = run.outcomes.count
        lines.append("  accuracy   \(LabFormat.percent(run.accuracy)) (\(run.correctCount)/\(count)), 95% CI "
                     + "\(LabFormat.percent(interval.lower))–\(LabFormat.percent(interval.upper)) (Clopper–Pearson)")
        if let normalised = run.normalisedAccuracy, let chance = run.chance {
            lines.append("             \(LabFormat.percent(normalised)) by length-normalised log-likelihood; chance \(LabFormat.percent(chance))")
        }
        if let ppl = run.referencePerplexity {
            lines.append("  answers    perplexity \(LabFormat.fixed(ppl, digits: 2)) of the reference answers")
        }
        let rate = run.seconds > 0 ? Double(run.processedTokens) / run.seconds : 0
        var tokens = "  tokens     \(LabFormat.grouped(run.processedTokens)) through the model in \(q(run.seconds, .time)) "
            + "(\(LabFormat.grouped(Int(rate.rounded()))) tokens/s)"
        if run.kind == .generation { tokens += ", \(LabFormat.grouped(run.outcomes.reduce(0) { $0 + $1.generatedTokens })) generated" }
        lines.append(tokens)
        lines.append("  energy     \(q(totalEnergy, .energy)) (\(q(joulesPerToken, .energy))/token), \(energySource)")
        if run.partial { lines.append("  partial    interrupted: \(count) of \(run.planned) examples finished") }
        return lines.joined(separator: "\n")
    }

    static let fields = ["task", "model", "format", "accuracy", "correct", "count", "planned", "partial", "ci_low", "ci_high",
                         "accuracy_norm", "chance", "answer_perplexity", "outcomes", "tokens", "generated_tokens", "time",
                         "energy", "energy_per_token", "energy_source", "shots", "seed", "limit", "threads", "conditions"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "task": return .string(run.task)
        case "model": return .string(modelName)
        case "format": return .string(format)
        case "accuracy": return .number(run.accuracy)
        case "correct": return .number(Double(run.correctCount))
        case "count": return .number(Double(run.outcomes.count))
        case "planned": return .number(Double(run.planned))
        case "partial": return .bool(run.partial)
        case "ci_low": return .number(interval.lower)
        case "ci_high": return .number(interval.upper)
        case "accuracy_norm": return run.normalisedAccuracy.map { .number($0) } ?? .nilValue
        case "chance": return run.chance.map { .number($0) } ?? .nilValue
        case "answer_perplexity": return run.referencePerplexity.map { .number($0) } ?? .nilValue
        case "outcomes": return outcomesTable
        case "tokens": return .number(Double(run.processedTokens))
        case "generated_tokens": return .number(Double(run.outcomes.reduce(0) { $0 + $1.generatedTokens }))
        case "time": return .quantity(Quantity(run.seconds, .time))
        case "energy": return .quantity(Quantity(totalEnergy, .energy))
        case "energy_per_token": return .quantity(Quantity(joulesPerToken, .energy))
        case "energy_source": return .string(energySource)
        case "shots": return .number(Double(run.kind == .generation ? run.options.shots : 0))
        case "seed": return .number(Double(run.options.seed))
        case "limit": return run.options.limit.map { .number(Double($0)) } ?? .nilValue
        case "threads": return .number(Double(threads))
        case "conditions": return .string(conditions)
        default: return nil
        }
    }

    /// One row per scored example, in task order: what `claim` pairs and what a script compares with a reference.
    var outcomesTable: Value {
        LabTables.make(zip(run.outcomes, energies).map { outcome, joules in
            var fields: [(String, Value)] = [
                ("example", .number(Double(outcome.index))), ("line", .number(Double(outcome.line))),
                ("correct", .bool(outcome.correct)), ("prediction", outcome.prediction.map { .string($0) } ?? .nilValue),
                ("target", .string(outcome.target)),
            ]
            if run.kind == .multipleChoice {
                fields.append(("correct_norm", .bool(outcome.correctNormalised)))
                fields.append(("logprobs", .list(outcome.choiceLogLikelihoods.map { .number($0) })))
                fields.append(("choice_tokens", .list(outcome.choiceTokens.map { .number(Double($0)) })))
            } else {
                fields.append(("generated", .string(outcome.generated)))
                fields.append(("generated_tokens", .number(Double(outcome.generatedTokens))))
            }
            fields += [("prompt_tokens", .number(Double(outcome.promptTokens))), ("tokens", .number(Double(outcome.processedTokens))),
                       ("time", .quantity(Quantity(outcome.seconds, .time))), ("energy", .quantity(Quantity(joules, .energy)))]
            if run.kind == .multipleChoice { fields.append(("choices", .list(outcome.choices.map { .string($0) }))) }
            fields.append(("prompt", .string(outcome.prompt)))
            return Record(fields)
        })
    }

    /// Per-example correctness in task order, for paired statistics.
    var correct: [Bool] { run.outcomes.map(\.correct) }
}
