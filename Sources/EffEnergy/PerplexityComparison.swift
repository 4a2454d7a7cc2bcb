import Foundation

/// Held-out perplexity of two language models on the same text windows, as the ratio candidate / baseline
/// (1.05 = "5% worse"), with a paired bootstrap over windows.
///
/// Each window's mean next-token loss (nats/token) is one paired observation: both models see the same windows, so
/// resampling windows keeps their difference's correlation (as lm-evaluation-harness's bootstrap stderr resamples
/// documents). The ratio of perplexities is exp(mean loss difference); its CI is the percentile interval of that
/// statistic over resampled window sets. Windows of one text are not fully independent, so the interval is a little
/// optimistic; more, shorter windows do not fix that, more text does.
public struct PerplexityComparison: Sendable, Equatable {
    public var windows: Int
    public var candidatePerplexity: Double
    public var baselinePerplexity: Double
    /// candidate perplexity / baseline perplexity = exp(mean(candidate loss − baseline loss)).
    public var ratio: Double
    public var interval: ConfidenceInterval

    public init(candidate: [Double], baseline: [Double], level: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 42) throws {
        guard candidate.count == baseline.count else {
            throw ClaimError("perplexity claims need both models on the same windows: \(candidate.count) vs \(baseline.count)")
        }
        guard candidate.count >= 2 else { throw ClaimError("perplexity claims need at least 2 held-out windows") }
        guard (candidate + baseline).allSatisfy({ $0.isFinite }) else { throw ClaimError("a window's loss is not finite") }
        windows = candidate.count
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        candidatePerplexity = exp(mean(candidate))
        baselinePerplexity = exp(mean(baseline))
        let differences = zip(candidate, baseline).map { $0 - $1 }
        ratio = exp(mean(differences))
        interval = try Statistics.bootstrapConfidenceInterval(count: windows, level: level, resamples: resamples, seed: seed) { indices in
            exp(indices.reduce(0) { $0 + differences[$1] } / Double(indices.count))
        }
    }

    public var method: String { "paired bootstrap over \(windows) held-out windows (ratio of perplexities = exp of the mean loss difference)" }
}
