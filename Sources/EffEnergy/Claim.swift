import Foundation

/// What a claim compares: candidate versus baseline.
public enum ClaimMetric: String, Sendable, CaseIterable {
    /// Energy per inference, as the ratio candidate / baseline (1/100 = "100× less").
    case energy
    /// Central latency, as the ratio candidate / baseline.
    case latency
    /// Accuracy on the same examples, as the difference candidate − baseline (a fraction: 0.01 = 1 point).
    case accuracy
    /// Held-out perplexity on the same text windows, as the ratio candidate / baseline (1.05 = 5% worse).
    case perplexity
}

/// The relation a claim states between a metric and its bound.
public enum ClaimRelation: String, Sendable, CaseIterable {
    case atMost = "<="
    case lessThan = "<"
    case atLeast = ">="
    case greaterThan = ">"
}

/// One condition of a claim, e.g. energy <= 1/100 or accuracy >= 0.
public struct ClaimCondition: Sendable, Equatable, CustomStringConvertible {
    public var metric: ClaimMetric
    public var relation: ClaimRelation
    /// A ratio for energy and latency, a fraction difference for accuracy.
    public var bound: Double

    public init(_ metric: ClaimMetric, _ relation: ClaimRelation, _ bound: Double) {
        self.metric = metric
        self.relation = relation
        self.bound = bound
    }

    public var description: String { "\(metric.rawValue) \(relation.rawValue) \(formatNumber(bound))" }

    /// The verdict for an interval: supported if the whole interval satisfies the relation, not
    /// supported if the whole interval violates it, inconclusive if it straddles the bound.
    public func judge(_ interval: ConfidenceInterval) -> Verdict {
        switch relation {
        case .atMost:
            return interval.upper <= bound ? .supported : interval.lower > bound ? .notSupported : .inconclusive
        case .lessThan:
            return interval.upper < bound ? .supported : interval.lower >= bound ? .notSupported : .inconclusive
        case .atLeast:
            return interval.lower >= bound ? .supported : interval.upper < bound ? .notSupported : .inconclusive
        case .greaterThan:
            return interval.lower > bound ? .supported : interval.upper <= bound ? .notSupported : .inconclusive
        }
    }
}

/// The outcome of a claim or of one of its conditions.
public enum Verdict: String, Sendable, Equatable {
    case supported = "SUPPORTED"
    case notSupported = "NOT SUPPORTED"
    case inconclusive = "INCONCLUSIVE"

    /// Conjunction: not supported if any part is, supported if all are, inconclusive otherwise.
    public static func all(_ verdicts: [Verdict]) -> Verdict {
        if verdicts.contains(.notSupported) { return .notSupported }
        if !verdicts.isEmpty && verdicts.allSatisfy({ $0 == .supported }) { return .supported }
        return .inconclusive
    }
}

/// The evidence one system brings to a claim.
public struct SystemEvidence: Sendable {
    public var name: String
    /// Energy per inference with its source.
    public var energy: EnergyFigure?
    /// Joules per inference per repetition (measured); empty for deterministic estimates.
    public var energySamples: [Double]
    /// Seconds per call per repetition; needed for latency conditions.
    public var latencySamples: [Double]
    /// Per-example correctness on the shared test set, in the same example order for both systems.
    public var correct: [Bool]?
    /// Weight format, e.g. "f32", "int8", "ternary" (for the conditions record).
    public var format: String?
    /// Mean next-token loss (nats/token) per held-out window, in the same window order for both systems.
    public var windowLosses: [Double]?

    public init(name: String, energy: EnergyFigure? = nil, energySamples: [Double] = [], latencySamples: [Double] = [],
                correct: [Bool]? = nil, format: String? = nil, windowLosses: [Double]? = nil) {
        self.name = name
        self.windowLosses = windowLosses
        self.energy = energy
        self.energySamples = energySamples
        self.latencySamples = latencySamples
        self.correct = correct
        self.format = format
    }

    /// Evidence from a `measure` result plus correctness.
    public init(_ measurement: BenchmarkResult, correct: [Bool]? = nil, format: String? = nil) {
        self.init(name: measurement.name, energy: measurement.energyPerInference,
                  energySamples: measurement.measuredEnergy == nil ? [] : measurement.energySamples,
                  latencySamples: measurement.latencySamples, correct: correct, format: format)
    }
}

/// Under what conditions the evidence was gathered; printed with every verdict.
public struct ClaimConditions: Sendable, Equatable {
    public var dataset: String?
    /// Examples in the test set.
    public var datasetSize: Int?
    public var batchSize: Int?
    /// System name → weight format.
    public var formats: [String: String]
    /// Threads the kernels used.
    public var threads: Int?
    /// The meter (name and domains, total or net of idle) or profile behind the energy figures.
    public var energySource: String?
    /// CPU model from /proc/cpuinfo.
    public var machine: String
    public var confidenceLevel: Double
    public var seed: UInt64

    public init(dataset: String? = nil, datasetSize: Int? = nil, batchSize: Int? = nil, formats: [String: String] = [:],
                threads: Int? = nil, energySource: String? = nil, machine: String = MachineInfo.cpuModel(),
                confidenceLevel: Double = 0.95, seed: UInt64 = 42) {
        self.dataset = dataset
        self.datasetSize = datasetSize
        self.batchSize = batchSize
        self.formats = formats
        self.threads = threads
        self.energySource = energySource
        self.machine = machine
        self.confidenceLevel = confidenceLevel
        self.seed = seed
    }
}

/// The accuracy evidence: both accuracies, their difference with a CI, and McNemar's exact test.
public struct AccuracyComparison: Sendable, Equatable {
    public var examples: Int
    public var candidateAccuracy: Double
    public var baselineAccuracy: Double
    /// candidate − baseline, a fraction.
    public var difference: Double
    /// Seeded percentile bootstrap over examples (paired).
    public var bootstrapInterval: ConfidenceInterval
    /// Exact interval conditional on the discordant pairs: Clopper–Pearson for b/(b+c), mapped to (b+c)/n·(2p−1).
    /// With no discordant pair it is [0, 0], as is the bootstrap's: both are conditional on the pairs seen.
    public var exactInterval: ConfidenceInterval
    /// Newcombe's hybrid score interval for a paired difference (`Distributions.newcombePairedDifferenceInterval`,
    /// Newcombe 1998 method 10): unconditional, so it stays as wide as n allows when b = c = 0.
    public var scoreInterval: ConfidenceInterval
    /// The interval verdicts use: the union (the more cautious bounds) of the three above.
    public var interval: ConfidenceInterval
    /// b = candidate right and baseline wrong, c = the reverse, p two-sided exact.
    public var mcnemar: McNemarTest

    public init(candidate: [Bool], baseline: [Bool], level: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 42) throws {
        mcnemar = try McNemarTest(first: candidate, second: baseline)
        let count = candidate.count
        examples = count
        candidateAccuracy = Double(candidate.filter { $0 }.count) / Double(count)
        baselineAccuracy = Double(baseline.filter { $0 }.count) / Double(count)
        difference = candidateAccuracy - baselineAccuracy
        let deltas = zip(candidate, baseline).map { (a, b) in Double((a ? 1 : 0) - (b ? 1 : 0)) }
        bootstrapInterval = try Statistics.bootstrapConfidenceInterval(count: count, level: level, resamples: resamples, seed: seed) { indices in
            indices.reduce(0) { $0 + deltas[$1] } / Double(indices.count)
        }
        let discordant = mcnemar.firstOnlyCorrect + mcnemar.secondOnlyCorrect
        if discordant == 0 {
            exactInterval = ConfidenceInterval(lower: 0, upper: 0, level: level)
        } else {
            let share = try Distributions.clopperPearsonInterval(successes: mcnemar.firstOnlyCorrect, trials: discordant, level: level)
            let scale = Double(discordant) / Double(count)
            exactInterval = ConfidenceInterval(lower: scale * (2 * share.lower - 1), upper: scale * (2 * share.upper - 1), level: level)
        }
        let both = zip(candidate, baseline).filter { $0.0 && $0.1 }.count
        scoreInterval = try Distributions.newcombePairedDifferenceInterval(
            bothRight: both, firstOnly: mcnemar.firstOnlyCorrect, secondOnly: mcnemar.secondOnlyCorrect,
            neither: count - both - discordant, level: level)
        interval = ConfidenceInterval(lower: min(bootstrapInterval.lower, exactInterval.lower, scoreInterval.lower),
                                      upper: max(bootstrapInterval.upper, exactInterval.upper, scoreInterval.upper), level: level)
    }
}

/// One judged condition with the numbers behind it.
public struct ConditionResult: Sendable, Equatable {
    public var condition: ClaimCondition
    public var verdict: Verdict
    /// The observed ratio or difference.
    public var value: Double
    /// The interval judged (exact point interval for deterministic estimates).
    public var interval: ConfidenceInterval
    /// How the value and interval were obtained, with the energy source where relevant.
    public var method: String
}

/// Errors that make a claim impossible to evaluate (not a verdict: the question cannot be asked).
public struct ClaimError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A verdict with all of its evidence.
public struct ClaimResult: Sendable {
    public var candidate: String
    public var baseline: String
    public var verdict: Verdict
    public var results: [ConditionResult]
    public var energyRatio: RatioEstimate?
    public var energySource: EnergySource?
    public var latencyRatio: RatioEstimate?
    public var accuracy: AccuracyComparison?
    public var perplexity: PerplexityComparison?
    public var conditions: ClaimConditions

    /// One paragraph: the verdict, each condition's value and interval, and the conditions.
    public var summary: String {
        var parts: [String] = []
        for result in results {
            switch result.condition.metric {
            case .energy, .latency, .perplexity:
                var text = "\(result.condition.metric.rawValue) ratio \(formatRatio(result.value))"
                text += result.interval.level < 1
                    ? " (\(Int((result.interval.level * 100).rounded()))% CI \(formatRatio(result.interval.lower))..\(formatRatio(result.interval.upper)))"
                    : " (exact)"
                if result.condition.metric == .energy, let source = energySource { text += ", \(source)" }
                parts.append(text + " vs bound \(result.condition.relation.rawValue) \(formatRatio(result.condition.bound)): \(result.verdict.rawValue.lowercased())")
            case .accuracy:
                guard let accuracy else { continue }
                parts.append("accuracy \(formatPoints(accuracy.difference)) (\(Int((accuracy.interval.level * 100).rounded()))% CI "
                    + "\(formatPoints(accuracy.interval.lower))..\(formatPoints(accuracy.interval.upper)), "
                    + "McNemar p = \(formatNumber(accuracy.mcnemar.pValue)), b = \(accuracy.mcnemar.firstOnlyCorrect), "
                    + "c = \(accuracy.mcnemar.secondOnlyCorrect) of \(accuracy.examples)) vs bound "
                    + "\(result.condition.relation.rawValue) \(formatPoints(result.condition.bound)): \(result.verdict.rawValue.lowercased())")
            }
        }
        var context = ["machine \(conditions.machine)"]
        if let dataset = conditions.dataset { context.append("data \(dataset)" + (conditions.datasetSize.map { " (\($0) examples)" } ?? "")) }
        if let batch = conditions.batchSize { context.append("batch \(batch)") }
        if let threads = conditions.threads { context.append("\(threads) thread\(threads == 1 ? "" : "s")") }
        if !conditions.formats.isEmpty {
            context.append("formats " + conditions.formats.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return "\(verdict.rawValue): \(candidate) vs \(baseline): " + parts.joined(separator: "; ") + ". [" + context.joined(separator: "; ") + "]"
    }
}

/// Evaluates "candidate vs baseline: condition and condition ..." on the evidence.
///
/// Each condition is judged on an interval at `conditions.confidenceLevel`: the whole interval
/// satisfies the bound → supported; the whole interval violates it → not supported; otherwise
/// inconclusive. Energy and latency use the ratio candidate / baseline (bootstrap CI for measured
/// samples; an exact point for deterministic estimates); accuracy uses `AccuracyComparison.interval`.
/// The claim is the conjunction (`Verdict.all`). Comparing a measurement with an estimate, or
/// estimates from different profiles, throws: the ratio would mean nothing.
public func evaluateClaim(_ claimConditions: [ClaimCondition],
                          candidate: SystemEvidence, baseline: SystemEvidence,
                          conditions: ClaimConditions = ClaimConditions(),
                          resamples: Int = 2000) throws -> ClaimResult {
    guard !claimConditions.isEmpty else { throw ClaimError("a claim needs at least one condition") }
    let level = conditions.confidenceLevel
    var results: [ConditionResult] = []
    var energyRatio: RatioEstimate?
    var latencyRatio: RatioEstimate?
    var accuracy: AccuracyComparison?
    var perplexity: PerplexityComparison?
    var record = conditions
    if record.formats.isEmpty {
        for system in [candidate, baseline] { if let format = system.format { record.formats[system.name] = format } }
    }
    for condition in claimConditions {
        guard condition.bound.isFinite else { throw ClaimError("the bound of \(condition) must be a finite number") }
        switch condition.metric {
        case .energy:
            let ratio = try energyRatio ?? claimEnergyRatio(candidate, baseline, level: level, resamples: resamples, seed: conditions.seed)
            energyRatio = ratio
            if record.energySource == nil { record.energySource = candidate.energy.map { "\($0.source)" } }
            results.append(ConditionResult(condition: condition, verdict: condition.judge(ratio.interval), value: ratio.value,
                                           interval: ratio.interval, method: ratio.method))
        case .latency:
            guard candidate.latencySamples.count >= 2, baseline.latencySamples.count >= 2 else {
                throw ClaimError("latency claims need at least 2 latency samples per system (measure both first)")
            }
            let ratio = try latencyRatio ?? Statistics.ratioConfidenceInterval(
                numerator: candidate.latencySamples, denominator: baseline.latencySamples,
                paired: candidate.latencySamples.count == baseline.latencySamples.count,
                level: level, resamples: resamples, seed: conditions.seed)
            latencyRatio = ratio
            results.append(ConditionResult(condition: condition, verdict: condition.judge(ratio.interval), value: ratio.value,
                                           interval: ratio.interval, method: ratio.method))
        case .perplexity:
            guard let first = candidate.windowLosses, let second = baseline.windowLosses else {
                throw ClaimError("perplexity claims need held-out window losses for both \(candidate.name) and \(baseline.name)")
            }
            let comparison = try perplexity ?? PerplexityComparison(candidate: first, baseline: second, level: level,
                                                                    resamples: resamples, seed: conditions.seed)
            perplexity = comparison
            results.append(ConditionResult(condition: condition, verdict: condition.judge(comparison.interval), value: comparison.ratio,
                                           interval: comparison.interval, method: comparison.method))
        case .accuracy:
            guard let first = candidate.correct, let second = baseline.correct else {
                throw ClaimError("accuracy claims need per-example correctness for both \(candidate.name) and \(baseline.name)")
            }
            guard first.count == second.count else {
                throw ClaimError("accuracy claims need both systems on the same examples: \(candidate.name) has \(first.count), \(baseline.name) has \(second.count)")
            }
            let comparison = try accuracy ?? AccuracyComparison(candidate: first, baseline: second, level: level,
                                                                resamples: resamples, seed: conditions.seed)
            accuracy = comparison
            if record.datasetSize == nil { record.datasetSize = first.count }
            results.append(ConditionResult(
                condition: condition, verdict: condition.judge(comparison.interval), value: comparison.difference,
                interval: comparison.interval,
                method: "paired bootstrap (\(resamples) resamples, seed \(conditions.seed)) ∪ exact conditional Clopper–Pearson ∪ Newcombe paired score; McNemar exact p = \(formatNumber(comparison.mcnemar.pValue))"))
        }
    }
    return ClaimResult(candidate: candidate.name, baseline: baseline.name, verdict: Verdict.all(results.map(\.verdict)),
                       results: results, energyRatio: energyRatio, energySource: candidate.energy?.source,
                       latencyRatio: latencyRatio, accuracy: accuracy, perplexity: perplexity, conditions: record)
}

func claimEnergyRatio(_ candidate: SystemEvidence, _ baseline: SystemEvidence, level: Double,
                      resamples: Int, seed: UInt64) throws -> RatioEstimate {
    guard let top = candidate.energy, let bottom = baseline.energy else {
        throw ClaimError("energy claims need an energy figure for both \(candidate.name) and \(baseline.name)")
    }
    guard top.source == bottom.source else {
        throw ClaimError("cannot compare energy of \(candidate.name) (\(top.source)) with \(baseline.name) (\(bottom.source)): "
            + "use the same meter or the same profile for both")
    }
    if top.source.isMeasured {
        guard candidate.energySamples.count >= 2, baseline.energySamples.count >= 2 else {
            throw ClaimError("measured energy claims need at least 2 energy samples per system")
        }
        return try Statistics.ratioConfidenceInterval(numerator: candidate.energySamples, denominator: baseline.energySamples,
                                                      paired: false, level: level, resamples: resamples, seed: seed)
    }
    guard bottom.joules > 0 else { throw ClaimError("\(baseline.name)'s energy is 0 J: no ratio") }
    return RatioEstimate(value: top.joules / bottom.joules, confidenceInterval: nil,
                         method: "exact: both are deterministic estimates (\(top.source))")
}

/// "1/23" for ratios below 1, "2.5" otherwise.
func formatRatio(_ ratio: Double) -> String {
    guard ratio > 0, ratio < 1 else { return formatNumber(ratio) }
    let inverse = 1 / ratio
    return "1/" + (inverse >= 10 ? String(Int(inverse.rounded())) : formatNumber((inverse * 10).rounded() / 10))
}

/// A fraction difference as signed percentage points, e.g. "+0.6 pt".
func formatPoints(_ fraction: Double) -> String {
    let points = (fraction * 1000).rounded() / 10
    return (points > 0 ? "+" : points < 0 ? "−" : "") + formatNumber(abs(points)) + " pt"
}
