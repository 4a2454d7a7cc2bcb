import Foundation
import EffKernels

/// Something to time: a closure that runs one call (one inference or one batch) and the work it does.
///
/// The model library builds these; EffEnergy knows nothing of models.
///
///     let benchmark = Benchmark(name: "q8", inferencesPerCall: 32, work: model.work(batch: 32)) {
///         try model.predict(batch)
///     }
public struct Benchmark {
    /// Shown in results, e.g. the model's name.
    public var name: String
    /// Inferences one call performs (the batch size), ≥ 1.
    public var inferencesPerCall: Int
    /// The exact work of one call as kernels report it; enables the estimate.
    public var work: Work?
    /// The same work split by layer (per call); enables the per-layer breakdown.
    public var layers: [LayerWork]?
    /// Runs one call.
    public var run: () throws -> Void

    public init(name: String, inferencesPerCall: Int = 1, work: Work? = nil, layers: [LayerWork]? = nil,
                run: @escaping () throws -> Void) {
        self.name = name
        self.inferencesPerCall = inferencesPerCall
        self.work = work ?? layers.map { $0.reduce(Work()) { $0 + $1.work } }
        self.layers = layers
        self.run = run
    }
}

/// Which central value the stopping rule and headline figures use.
public enum CentralStatistic: String, Sendable, CaseIterable {
    case median
    case mean
}

/// How long and how carefully to measure (Georges et al. 2007: warm up, repeat, report a CI).
public struct MeasureOptions: Sendable, Equatable {
    /// Calls run and discarded before timing, at least.
    public var warmupCalls: Int = 3
    /// Warm-up continues until this much time has passed, seconds.
    public var warmupSeconds: Double = 0.1
    /// Repetitions always timed before the stopping rule is checked (≥ 6 gives a 95 % median CI).
    public var minimumRepetitions: Int = 10
    /// Hard cap on repetitions.
    public var maximumRepetitions: Int = 100_000
    /// Stop once the CI half-width is at most this fraction of the central value (0.02 = ±2 %).
    public var relativePrecision: Double = 0.02
    /// Stop after this many seconds of timed repetitions even if the precision is not reached.
    public var timeBudgetSeconds: Double = 10
    /// A repetition lasts at least this long (calls are grouped), seconds; keeps timer overhead small.
    public var minimumRepetitionSeconds: Double = 0.001
    public var statistic: CentralStatistic = .median
    /// Confidence level of every interval, e.g. 0.95.
    public var confidenceLevel: Double = 0.95
    /// With a hardware meter: measure idle power afterwards for as long as the run (capped by
    /// `maximumIdleSeconds`) and report energy net of idle.
    public var subtractIdle: Bool = false
    public var maximumIdleSeconds: Double = 10

    public init() {}

    func validate() throws {
        func check(_ condition: Bool, _ message: String) throws {
            if !condition { throw MeasureError(message) }
        }
        try check(warmupCalls >= 0 && warmupCalls <= 1_000_000, "warm-up calls must be within 0...1000000, got \(warmupCalls)")
        try check(warmupSeconds.isFinite && warmupSeconds >= 0, "warm-up time must be ≥ 0 s, got \(warmupSeconds)")
        try check(minimumRepetitions >= 2, "at least 2 repetitions are needed for an interval, got \(minimumRepetitions)")
        try check(maximumRepetitions >= minimumRepetitions, "maximum repetitions (\(maximumRepetitions)) is below the minimum (\(minimumRepetitions))")
        try check(relativePrecision.isFinite && relativePrecision > 0, "relative precision must be > 0, got \(relativePrecision)")
        try check(timeBudgetSeconds.isFinite && timeBudgetSeconds > 0, "time budget must be > 0 s, got \(timeBudgetSeconds)")
        try check(minimumRepetitionSeconds.isFinite && minimumRepetitionSeconds >= 0 && minimumRepetitionSeconds <= 60,
                  "minimum repetition time must be within 0...60 s, got \(minimumRepetitionSeconds)")
        try check(confidenceLevel > 0 && confidenceLevel < 1, "confidence level must be within (0, 1), got \(confidenceLevel)")
        try check(maximumIdleSeconds.isFinite && maximumIdleSeconds > 0, "idle time cap must be > 0 s, got \(maximumIdleSeconds)")
    }
}

/// Bad measurement input (options, benchmark) or a failing run.
public struct MeasureError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Why the repetitions stopped.
public enum StopReason: String, Sendable, Equatable {
    case precisionReached = "precision reached"
    case timeBudget = "time budget spent"
    case maximumRepetitions = "maximum repetitions"
}

/// A summary of samples: the chosen central value, median, mean, spread and its CI.
public struct SampleSummary: Sendable, Equatable {
    public var statistic: CentralStatistic
    /// The central value (median or mean per `statistic`).
    public var center: Double
    public var median: Double
    public var mean: Double
    /// nil with a single sample.
    public var standardDeviation: Double?
    /// CI of `center`: order-statistic CI for the median (t interval of the mean when there are too
    /// few samples for it), Student-t for the mean; nil with a single sample.
    public var confidenceInterval: ConfidenceInterval?
    public var count: Int

    /// CI half-width relative to the center; infinity without a CI.
    public var relativeHalfWidth: Double { confidenceInterval?.relativeHalfWidth(around: center) ?? .infinity }

    /// Summarizes samples; throws on fewer than one sample or non-finite values.
    public init(_ samples: [Double], statistic: CentralStatistic = .median, level: Double = 0.95) throws {
        self.statistic = statistic
        median = try Statistics.median(samples)
        mean = try Statistics.mean(samples)
        count = samples.count
        standardDeviation = samples.count >= 2 ? try Statistics.standardDeviation(samples) : nil
        center = statistic == .median ? median : mean
        switch statistic {
        case .median:
            confidenceInterval = (try? Statistics.medianConfidenceInterval(samples, level: level))
                ?? (samples.count >= 2 ? try? Statistics.meanConfidenceInterval(samples, level: level) : nil)
        case .mean:
            confidenceInterval = samples.count >= 2 ? try Statistics.meanConfidenceInterval(samples, level: level) : nil
        }
    }
}

/// Average power with its source, watts.
public struct PowerFigure: Sendable, Equatable, CustomStringConvertible {
    /// watts
    public var watts: Double
    public var source: EnergySource
    public var description: String { "\(formatNumber(watts)) W [\(source)]" }
}

/// The result of `measure`: latency, throughput and energy, each figure with its provenance.
public struct BenchmarkResult: Sendable {
    public var name: String
    /// Seconds per call, one sample per repetition (repetition time / calls per repetition).
    public var latencySamples: [Double]
    /// Summary of `latencySamples`, seconds per call.
    public var latency: SampleSummary
    public var callsPerRepetition: Int
    public var inferencesPerCall: Int
    /// Inferences per second at the central latency.
    public var throughput: Double
    public var stopReason: StopReason
    /// Wall time of the timed repetitions, seconds.
    public var timedSeconds: Double
    /// Hardware-measured joules per inference, one sample per repetition (total or net of idle per `measuredEnergy.source`).
    public var energySamples: [Double]
    /// Measured energy per inference (median or mean of `energySamples`, with CI), when a meter was used.
    public var measuredEnergy: EnergyFigure?
    /// Estimated energy per inference from the benchmark's `Work`, when it was given.
    public var estimatedEnergy: EnergyFigure?
    /// The estimate of one call with its compute/memory breakdown.
    public var estimate: EnergyEstimate?
    /// Per-layer estimates of one call, when layers were given.
    public var layerBreakdown: LayerBreakdown?
    /// Average power while running: measured when a meter was used, otherwise estimated energy / latency.
    public var averagePower: PowerFigure?
    /// Idle power subtracted, watts (nil when not subtracted).
    public var idleWatts: Double?
    /// Joules per domain over all timed repetitions (total, not net of idle), with a meter.
    public var joulesByDomain: [String: Double]
    /// Caveats (meter notes, counter that did not move, few samples).
    public var notes: [String]

    /// Energy per inference: the measurement when there is one, else the estimate.
    public var energyPerInference: EnergyFigure? { measuredEnergy ?? estimatedEnergy }
}
