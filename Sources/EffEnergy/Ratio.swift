import EffNumerics
import Foundation

/// A ratio of two systems' figures (candidate / baseline) with its confidence interval and how it was obtained.
public struct RatioEstimate: Sendable, Equatable, CustomStringConvertible {
    /// candidate / baseline
    public var value: Double
    /// nil when both figures are deterministic (estimates): the ratio is then exact.
    public var confidenceInterval: ConfidenceInterval?
    /// How the interval was computed, e.g. "bootstrap of the ratio of medians, paired, 2000 resamples, seed 42".
    public var method: String

    public init(value: Double, confidenceInterval: ConfidenceInterval?, method: String) {
        self.value = value
        self.confidenceInterval = confidenceInterval
        self.method = method
    }

    /// The interval to judge a claim by: the CI, or the point itself when the ratio is exact.
    public var interval: ConfidenceInterval {
        confidenceInterval ?? ConfidenceInterval(lower: value, upper: value, level: 1)
    }

    public var description: String {
        "\(formatNumber(value))" + (confidenceInterval.map { " (\($0))" } ?? " (exact)")
    }
}

extension Statistics {
    /// The ratio of a central value of `numerator` samples to that of `denominator` samples, with a
    /// percentile-bootstrap CI (Kalibera & Jones 2013 recommend the bootstrap, or Fieller's method,
    /// for ratios of execution times).
    ///
    /// `paired` resamples the same indices from both (samples taken in the same interleaved round,
    /// so drift cancels); it needs equal counts. Otherwise each side is resampled independently.
    public static func ratioConfidenceInterval(numerator: [Double], denominator: [Double],
                                               statistic: CentralStatistic = .median,
                                               paired: Bool = true,
                                               level: Double = 0.95,
                                               resamples: Int = 2000,
                                               seed: UInt64 = 42) throws -> RatioEstimate {
        try validate(numerator, minimumCount: 2)
        try validate(denominator, minimumCount: 2)
        try validateLevel(level)
        func center(_ values: [Double]) throws -> Double {
            statistic == .median ? try median(values) : try mean(values)
        }
        let denominatorCenter = try center(denominator)
        guard denominatorCenter != 0 else { throw StatisticsError("cannot form a ratio: the baseline's \(statistic.rawValue) is 0") }
        let value = try center(numerator) / denominatorCenter
        let usePaired = paired && numerator.count == denominator.count
        let interval: ConfidenceInterval
        if usePaired {
            interval = try bootstrapConfidenceInterval(count: numerator.count, level: level, resamples: resamples, seed: seed) { indices in
                try center(indices.map { numerator[$0] }) / center(indices.map { denominator[$0] })
            }
        } else {
            var generator = SeededGenerator(seed: seed)
            var values: [Double] = []
            for _ in 0..<resamples {
                let top = (0..<numerator.count).map { _ in numerator[Int(generator.next() % UInt64(numerator.count))] }
                let bottom = (0..<denominator.count).map { _ in denominator[Int(generator.next() % UInt64(denominator.count))] }
                let ratio = try center(top) / center(bottom)
                if ratio.isFinite { values.append(ratio) }
            }
            guard values.count >= resamples / 2 else { throw StatisticsError("bootstrap ratio was not finite in most resamples") }
            let tail = (1 - level) / 2 * 100
            interval = ConfidenceInterval(lower: try percentile(values, tail), upper: try percentile(values, 100 - tail), level: level)
        }
        let method = "bootstrap of the ratio of \(statistic.rawValue)s, \(usePaired ? "paired by round" : "independent"), "
            + "\(resamples) resamples, seed \(seed) (Kalibera & Jones 2013)"
        return RatioEstimate(value: value, confidenceInterval: interval, method: method)
    }
}
