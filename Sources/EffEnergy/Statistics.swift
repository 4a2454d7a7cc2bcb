import EffNumerics
import Foundation

/// Errors from statistics on unusable input (too few samples, non-finite values, bad levels).
public struct StatisticsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Descriptive statistics and confidence intervals over samples (latencies, energies).
///
/// Conventions: percentiles interpolate linearly between order statistics (numpy's default,
/// "type 7"); the standard deviation is the sample one (n − 1).
public enum Statistics {
    /// The arithmetic mean. Throws on an empty sample.
    public static func mean(_ samples: [Double]) throws -> Double {
        try validate(samples, minimumCount: 1)
        return samples.reduce(0, +) / Double(samples.count)
    }

    /// The sample standard deviation (divides by n − 1). Throws with fewer than 2 samples.
    public static func standardDeviation(_ samples: [Double]) throws -> Double {
        try validate(samples, minimumCount: 2)
        let average = try mean(samples)
        let squares = samples.reduce(0) { $0 + ($1 - average) * ($1 - average) }
        return (squares / Double(samples.count - 1)).squareRoot()
    }

    /// The median (mean of the two middle values for an even count).
    public static func median(_ samples: [Double]) throws -> Double {
        try percentile(samples, 50)
    }

    /// The `percent`-th percentile (0...100), linear interpolation between order statistics.
    ///
    ///     try Statistics.percentile([1, 2, 3, 4], 25)   // 1.75, as numpy.percentile
    public static func percentile(_ samples: [Double], _ percent: Double) throws -> Double {
        try validate(samples, minimumCount: 1)
        guard percent >= 0, percent <= 100 else {
            throw StatisticsError("percentile must be within 0...100, got \(percent)")
        }
        return Quantiles.percentile(samples, percent)
    }

    /// Student-t confidence interval of the mean: mean ± t(1−α/2, n−1) · s/√n.
    public static func meanConfidenceInterval(_ samples: [Double], level: Double = 0.95) throws -> ConfidenceInterval {
        try validateLevel(level)
        let average = try mean(samples)
        let standardError = try standardDeviation(samples) / Double(samples.count).squareRoot()
        let t = try Distributions.studentTQuantile(0.5 + level / 2, degreesOfFreedom: Double(samples.count - 1))
        return ConfidenceInterval(lower: average - t * standardError, upper: average + t * standardError, level: level)
    }

    /// Distribution-free confidence interval of the median from order statistics.
    ///
    /// The number of samples below the true median is Binomial(n, ½); the interval
    /// [x₍ⱼ₎, x₍ₙ₋ⱼ₊₁₎] (1-based order statistics) covers the median with probability
    /// 1 − 2·P(B ≤ j − 1). We take the largest j whose coverage is still ≥ `level`, so the
    /// stated level is a guaranteed minimum (the actual coverage is reported in `level`).
    /// Needs at least 6 samples for 95 % (with 5, even [min, max] covers only 93.75 %).
    public static func medianConfidenceInterval(_ samples: [Double], level: Double = 0.95) throws -> ConfidenceInterval {
        try validateLevel(level)
        try validate(samples, minimumCount: 1)
        let sorted = samples.sorted()
        let count = sorted.count
        var bestRank = 0  // 1-based j; 0 means none reaches the level
        var bestCoverage = 0.0
        for rank in 1...max(1, count / 2) {
            let coverage = 1 - 2 * Distributions.binomialCDF(rank - 1, trials: count, probability: 0.5)
            if coverage >= level - 1e-12 {
                bestRank = rank
                bestCoverage = coverage
            } else {
                break
            }
        }
        guard bestRank > 0 else {
            throw StatisticsError("a \(Int(level * 100))% confidence interval of the median needs more samples than \(count)")
        }
        return ConfidenceInterval(lower: sorted[bestRank - 1], upper: sorted[count - bestRank], level: bestCoverage)
    }

    /// Percentile-bootstrap confidence interval of any statistic, with a seeded generator.
    ///
    /// `statistic` receives resampled indices (drawn with replacement from 0..<count), so paired
    /// data are resampled together. Deterministic for a given seed.
    public static func bootstrapConfidenceInterval(count: Int,
                                                   level: Double = 0.95,
                                                   resamples: Int = 2000,
                                                   seed: UInt64 = 42,
                                                   statistic: ([Int]) throws -> Double) throws -> ConfidenceInterval {
        try validateLevel(level)
        guard count >= 1 else { throw StatisticsError("bootstrap needs at least one sample") }
        guard resamples >= 100, resamples <= 1_000_000 else {
            throw StatisticsError("bootstrap resamples must be within 100...1000000, got \(resamples)")
        }
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for position in 0..<count { indices[position] = Int(generator.next() % UInt64(count)) }
            let value = try statistic(indices)
            if value.isFinite { values.append(value) }
        }
        guard values.count >= resamples / 2 else {
            throw StatisticsError("bootstrap statistic was not finite in most resamples (e.g. a zero denominator)")
        }
        let tail = (1 - level) / 2 * 100
        return ConfidenceInterval(lower: try percentile(values, tail), upper: try percentile(values, 100 - tail), level: level)
    }

    static func validate(_ samples: [Double], minimumCount: Int) throws {
        guard samples.count >= minimumCount else {
            throw StatisticsError("need at least \(minimumCount) sample\(minimumCount == 1 ? "" : "s"), got \(samples.count)")
        }
        if let bad = samples.first(where: { !$0.isFinite }) {
            throw StatisticsError("samples must be finite numbers, got \(bad)")
        }
    }

    static func validateLevel(_ level: Double) throws {
        guard level > 0, level < 1 else { throw StatisticsError("confidence level must be within (0, 1), got \(level)") }
    }
}
