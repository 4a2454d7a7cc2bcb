/// Medians and percentiles of samples, one convention everywhere: linear interpolation between order
/// statistics (numpy's default, "type 7"), so the median of an even count is the mean of the middle two.
///
///     Quantiles.percentile([1, 2, 3, 4], 25)   // 1.75, as numpy.percentile
///     Quantiles.median([3, 1, 2])              // 2
public enum Quantiles {
    /// The `percent`-th percentile (0...100) of `samples` (NaN when empty).
    public static func percentile(_ samples: [Double], _ percent: Double) -> Double {
        percentile(sorted: samples.sorted(), percent)
    }

    /// The `percent`-th percentile (0...100) of samples already in ascending order (NaN when empty).
    public static func percentile(sorted: [Double], _ percent: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = percent / 100 * Double(sorted.count - 1)
        let lowerIndex = Int(position.rounded(.down))
        let upperIndex = min(lowerIndex + 1, sorted.count - 1)
        let fraction = position - Double(lowerIndex)
        return sorted[lowerIndex] + (sorted[upperIndex] - sorted[lowerIndex]) * fraction
    }

    /// The median (NaN when empty).
    public static func median(_ samples: [Double]) -> Double { percentile(samples, 50) }

    /// (max − min) / median: the relative spread of repeated timings (NaN when empty).
    public static func spread(_ samples: [Double]) -> Double {
        guard let low = samples.min(), let high = samples.max() else { return .nan }
        return (high - low) / median(samples)
    }
}
