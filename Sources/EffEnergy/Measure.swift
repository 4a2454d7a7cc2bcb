import Foundation
import EffKernels

/// Times a benchmark until its confidence interval is tight, and reports energy with its source.
///
/// Procedure: warm up (`warmupCalls`, and at least `warmupSeconds`); group calls so a repetition
/// lasts at least `minimumRepetitionSeconds` and, with a meter, its `minimumWindowSeconds`; then
/// repeat until the CI of the central latency (and of the measured energy, with a meter) is within
/// `relativePrecision`, or `timeBudgetSeconds` / `maximumRepetitions` runs out. If a meter's counter
/// did not move during a repetition (NVML updates every 20–100 ms), the repetition's energy is
/// dropped and the number of calls per repetition doubles until it does.
///
///     let result = try measure(Benchmark(name: "tern", work: work) { try model.predict(x) })
///     result.latency.median, result.energyPerInference   // seconds, EnergyFigure with its source
public func measure(_ benchmark: Benchmark,
                    options: MeasureOptions = MeasureOptions(),
                    meter: (any EnergyMeter)? = nil,
                    estimator: EnergyEstimator? = EnergyEstimator()) throws -> BenchmarkResult {
    try options.validate()
    let recorder = try RepetitionRecorder(benchmark, meter: meter, options: options)
    try recorder.warmUp()
    let start = monotonicSeconds()
    var reason = StopReason.maximumRepetitions
    while recorder.repetitions < options.maximumRepetitions {
        try recorder.runRepetition()
        if recorder.repetitions >= options.minimumRepetitions && recorder.isPrecise() {
            reason = .precisionReached
            break
        }
        if monotonicSeconds() - start >= options.timeBudgetSeconds && recorder.repetitions >= 2 {
            reason = .timeBudget
            break
        }
    }
    let timed = monotonicSeconds() - start
    let idle = options.subtractIdle ? try measureIdleWatts(meter: meter, seconds: min(timed, options.maximumIdleSeconds)) : nil
    return try recorder.finish(stopReason: reason, timedSeconds: timed, idleWatts: idle, estimator: estimator)
}

/// Idle power over `seconds` of sleep, watts (the meter's total domains); nil without a meter.
public func measureIdleWatts(meter: (any EnergyMeter)?, seconds: Double) throws -> Double? {
    guard let meter else { return nil }
    let duration = max(seconds, meter.minimumWindowSeconds * 5)
    let window = try meter.window {
        // Sleep in slices so a long idle window still reads the counter at least every 0.5 s.
        var left = duration
        while left > 0 {
            let slice = min(left, 0.5)
            usleep(UInt32(slice * 1e6))
            left -= slice
            if left > 0 { _ = try meter.read() }
        }
    }
    return window.averageWatts
}

/// Runs repetitions of one benchmark and keeps their samples (shared by `measure` and `compare`).
final class RepetitionRecorder {
    let benchmark: Benchmark
    let meter: (any EnergyMeter)?
    let options: MeasureOptions
    private(set) var callsPerRepetition = 1
    /// seconds per call, per repetition
    private(set) var latencySamples: [Double] = []
    /// Per repetition with a counter that moved: (joules, seconds, calls) of the window.
    private(set) var energyWindows: [(joules: Double, seconds: Double, calls: Int)] = []
    private(set) var joulesByDomain: [String: Double] = [:]
    private(set) var notes: [String] = []
    private var zeroWindows = 0
    static let maximumCallsPerRepetition = 1 << 20

    var repetitions: Int { latencySamples.count }

    init(_ benchmark: Benchmark, meter: (any EnergyMeter)?, options: MeasureOptions) throws {
        guard benchmark.inferencesPerCall >= 1, benchmark.inferencesPerCall <= 1 << 32 else {
            throw MeasureError("\(benchmark.name): inferences per call must be within 1...2^32, got \(benchmark.inferencesPerCall)")
        }
        self.benchmark = benchmark
        self.meter = meter
        self.options = options
    }

    /// Runs the warm-up calls and sizes repetitions from their average duration.
    func warmUp() throws {
        let start = monotonicSeconds()
        var calls = 0
        while calls < max(1, options.warmupCalls) || monotonicSeconds() - start < options.warmupSeconds {
            try benchmark.run()
            calls += 1
            // Slow calls must not spend the whole budget warming up.
            if calls >= 1_000_000 || monotonicSeconds() - start > options.timeBudgetSeconds / 2 { break }
        }
        let perCall = max((monotonicSeconds() - start) / Double(calls), 1e-9)
        let window = max(options.minimumRepetitionSeconds, meter?.minimumWindowSeconds ?? 0)
        callsPerRepetition = min(Self.maximumCallsPerRepetition, max(1, Int((window / perCall).rounded(.up))))
    }

    /// Times one repetition (and reads the meter around it).
    func runRepetition() throws {
        let calls = callsPerRepetition
        let before = try meter?.read()
        let start = monotonicSeconds()
        for _ in 0..<calls { try benchmark.run() }
        let end = monotonicSeconds()
        latencySamples.append((end - start) / Double(calls))
        guard let meter, let before else { return }
        let window = meter.window(from: before, to: try meter.read())
        for (domain, joules) in window.joulesByDomain { joulesByDomain[domain, default: 0] += joules }
        if window.totalJoules > 0 {
            energyWindows.append((window.totalJoules, window.seconds, calls))
        } else {
            zeroWindows += 1
            callsPerRepetition = min(Self.maximumCallsPerRepetition, callsPerRepetition * 2)
        }
    }

    /// Whether the latency CI (and the energy CI, with a meter) meets the relative precision.
    func isPrecise() -> Bool {
        guard let latency = try? SampleSummary(latencySamples, statistic: options.statistic, level: options.confidenceLevel),
              latency.relativeHalfWidth <= options.relativePrecision else { return false }
        guard meter != nil else { return true }
        let energy = energySamples(idleWatts: nil)
        guard energy.count >= options.minimumRepetitions,
              let summary = try? SampleSummary(energy, statistic: options.statistic, level: options.confidenceLevel) else { return false }
        return summary.relativeHalfWidth <= options.relativePrecision
    }

    /// Joules per inference per repetition, net of `idleWatts` × window time when given.
    func energySamples(idleWatts: Double?) -> [Double] {
        energyWindows.map { window in
            (window.joules - (idleWatts ?? 0) * window.seconds) / Double(window.calls * benchmark.inferencesPerCall)
        }
    }

    func finish(stopReason: StopReason, timedSeconds: Double, idleWatts: Double?,
                estimator: EnergyEstimator?) throws -> BenchmarkResult {
        let level = options.confidenceLevel
        let latency = try SampleSummary(latencySamples, statistic: options.statistic, level: level)
        var notes = meter?.notes ?? []
        var measured: EnergyFigure?
        var power: PowerFigure?
        let energy = energySamples(idleWatts: idleWatts)
        if let meter {
            let basis: EnergyBasis = idleWatts == nil ? .total : .netOfIdle
            if zeroWindows > 0 {
                notes.append("\(zeroWindows) repetition(s) too short for the \(meter.name) counter to move; calls per repetition raised to \(callsPerRepetition)")
            }
            if energy.isEmpty {
                notes.append("the \(meter.name) counter never moved: no measured energy")
            } else {
                let summary = try SampleSummary(energy, statistic: options.statistic, level: level)
                measured = EnergyFigure(joules: summary.center, confidenceInterval: summary.confidenceInterval,
                                        source: meter.source(basis: basis))
                let joules = energyWindows.reduce(0) { $0 + $1.joules }
                let seconds = energyWindows.reduce(0) { $0 + $1.seconds }
                if seconds > 0 {
                    power = PowerFigure(watts: joules / seconds - (idleWatts ?? 0), source: meter.source(basis: basis))
                }
                if energy.contains(where: { $0 < 0 }) {
                    notes.append("some repetitions used less than idle energy: the net figure is within the meter's noise")
                }
            }
        }
        var estimate: EnergyEstimate?
        var breakdown: LayerBreakdown?
        var estimated: EnergyFigure?
        if let estimator {
            if let layers = benchmark.layers, !layers.isEmpty {
                breakdown = try estimator.estimate(layers: layers)
                estimate = breakdown?.total
            } else if let work = benchmark.work {
                estimate = try estimator.estimate(work)
            }
            if let estimate {
                estimated = EnergyFigure(joules: estimate.energy.joules / Double(benchmark.inferencesPerCall),
                                         source: estimate.energy.source)
                if power == nil, latency.center > 0 {
                    power = PowerFigure(watts: estimate.energy.joules / latency.center, source: estimate.energy.source)
                }
            }
        }
        if latencySamples.count < options.minimumRepetitions {
            notes.append("only \(latencySamples.count) repetitions fit the time budget")
        }
        return BenchmarkResult(
            name: benchmark.name, latencySamples: latencySamples, latency: latency,
            callsPerRepetition: callsPerRepetition, inferencesPerCall: benchmark.inferencesPerCall,
            throughput: latency.center > 0 ? Double(benchmark.inferencesPerCall) / latency.center : .infinity,
            stopReason: stopReason, timedSeconds: timedSeconds, energySamples: energy,
            measuredEnergy: measured, estimatedEnergy: estimated, estimate: estimate, layerBreakdown: breakdown,
            averagePower: power, idleWatts: idleWatts, joulesByDomain: joulesByDomain, notes: notes)
    }
}
