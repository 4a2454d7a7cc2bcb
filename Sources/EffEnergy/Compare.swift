import Foundation

/// Several benchmarks measured in one interleaved run, with ratios against the first.
public struct Comparison: Sendable {
    /// One result per benchmark, in the order given.
    public var results: [BenchmarkResult]
    /// candidate / first for the central latency; the first entry is 1 (exact).
    public var latencyRatios: [RatioEstimate]
    /// candidate / first for energy per inference; nil where the two figures have different
    /// sources (a measurement and an estimate cannot be divided) or there is no energy.
    public var energyRatios: [RatioEstimate?]
    /// Interleaved rounds completed (each runs every benchmark once).
    public var rounds: Int
    public var stopReason: StopReason
    public var notes: [String]
}

/// Measures benchmarks in interleaved rounds (A B, B A, A B, …) so slow drift of the machine
/// (temperature, frequency, background load) does not favour whichever ran first; the order
/// rotates each round. Stops when every benchmark's CI meets `relativePrecision`, or the time
/// budget (shared by all) or `maximumRepetitions` rounds runs out.
///
/// Ratios are candidate / first. Latency ratios use a bootstrap paired by round; measured energy
/// ratios resample each side; ratios of two estimates with the same profile are exact.
public func compare(_ benchmarks: [Benchmark],
                    options: MeasureOptions = MeasureOptions(),
                    meter: (any EnergyMeter)? = nil,
                    estimator: EnergyEstimator? = EnergyEstimator(),
                    seed: UInt64 = 42) throws -> Comparison {
    try options.validate()
    guard !benchmarks.isEmpty else { throw MeasureError("compare needs at least one benchmark") }
    let recorders = try benchmarks.map { try RepetitionRecorder($0, meter: meter, options: options) }
    for recorder in recorders { try recorder.warmUp() }
    let start = monotonicSeconds()
    var rounds = 0
    var reason = StopReason.maximumRepetitions
    while rounds < options.maximumRepetitions {
        for offset in 0..<recorders.count {
            try recorders[(rounds + offset) % recorders.count].runRepetition()
        }
        rounds += 1
        if rounds >= options.minimumRepetitions && recorders.allSatisfy({ $0.isPrecise() }) {
            reason = .precisionReached
            break
        }
        if monotonicSeconds() - start >= options.timeBudgetSeconds && rounds >= 2 {
            reason = .timeBudget
            break
        }
    }
    let timed = monotonicSeconds() - start
    let idle = options.subtractIdle
        ? try measureIdleWatts(meter: meter, seconds: min(timed / Double(recorders.count), options.maximumIdleSeconds)) : nil
    let results = try recorders.map {
        try $0.finish(stopReason: reason, timedSeconds: timed, idleWatts: idle, estimator: estimator)
    }
    var notes: [String] = []
    var latencyRatios: [RatioEstimate] = []
    var energyRatios: [RatioEstimate?] = []
    let baseline = results[0]
    for (index, candidate) in results.enumerated() {
        if index == 0 {
            latencyRatios.append(RatioEstimate(value: 1, confidenceInterval: nil, method: "baseline"))
            energyRatios.append(baseline.energyPerInference == nil ? nil : RatioEstimate(value: 1, confidenceInterval: nil, method: "baseline"))
            continue
        }
        latencyRatios.append(try Statistics.ratioConfidenceInterval(
            numerator: candidate.latencySamples, denominator: baseline.latencySamples,
            statistic: options.statistic, paired: true, level: options.confidenceLevel, seed: seed))
        do {
            energyRatios.append(try energyRatio(candidate, baseline, options: options, seed: seed))
        } catch {
            energyRatios.append(nil)
            notes.append("\(candidate.name) vs \(baseline.name): no energy ratio: \(error)")
        }
    }
    return Comparison(results: results, latencyRatios: latencyRatios, energyRatios: energyRatios,
                      rounds: rounds, stopReason: reason, notes: notes)
}

/// candidate / baseline energy per inference, refusing to divide figures of different sources.
func energyRatio(_ candidate: BenchmarkResult, _ baseline: BenchmarkResult, options: MeasureOptions, seed: UInt64) throws -> RatioEstimate {
    guard let top = candidate.energyPerInference, let bottom = baseline.energyPerInference else {
        throw MeasureError("energy is missing for \(candidate.energyPerInference == nil ? candidate.name : baseline.name)")
    }
    guard top.source == bottom.source else {
        throw MeasureError("different energy sources (\(top.source) vs \(bottom.source))")
    }
    if top.source.isMeasured {
        return try Statistics.ratioConfidenceInterval(numerator: candidate.energySamples, denominator: baseline.energySamples,
                                                      statistic: options.statistic, paired: false,
                                                      level: options.confidenceLevel, seed: seed)
    }
    guard bottom.joules > 0 else { throw MeasureError("\(baseline.name)'s energy is 0 J") }
    return RatioEstimate(value: top.joules / bottom.joules, confidenceInterval: nil,
                         method: "exact: both are deterministic estimates with \(top.source)")
}
