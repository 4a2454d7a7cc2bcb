import EffNumerics
import Foundation

/// How closely a variant (re-quantized, pruned) follows its base model on the same text, as `llama-perplexity
/// --kl-divergence` reports it: the KL divergence of the variant's next-token distribution from the base's, how often
/// both pick the same top token, and how the correct token's probability moved.
public struct ModelAgreement: Sendable {
    /// KL(base ‖ variant) at each scored position, nats. // (tokens)
    public let divergences: [Double]
    /// p_variant(correct) − p_base(correct) at each scored position. // (tokens)
    public let probabilityChanges: [Double]
    /// Positions where both models' most likely token is the same.
    public let sameTop: Int
    public let windows: Int
    public let window: Int

    public var tokens: Int { divergences.count }
    public var meanDivergence: Double { divergences.reduce(0, +) / Double(max(1, tokens)) }
    /// Standard error of the mean KL divergence (sample sd / √n).
    public var divergenceStandardError: Double { Self.standardError(divergences) }
    public var sameTopShare: Double { Double(sameTop) / Double(max(1, tokens)) }
    /// Binomial standard error of the same-top share, as llama-perplexity prints it.
    public var sameTopStandardError: Double { (sameTopShare * (1 - sameTopShare) / Double(max(1, tokens - 1))).squareRoot() }

    static func standardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1) / Double(values.count)).squareRoot()
    }
}

extension LanguageModel {
    /// Scores `text` with this model (the base) and `variant` in the windows llama-perplexity uses: non-overlapping
    /// windows of `window` tokens, each run from an empty cache and scored on its second half. Both models must share
    /// the tokenizer (a re-quantized variant does). `shouldStop` is asked between windows.
    public func agreement(with variant: LanguageModel, text: String, window: Int = 512, maxWindows: Int? = nil,
                          shouldStop: () -> Bool = { false }) throws -> ModelAgreement {
        guard variant.config.vocabularySize == config.vocabularySize, variant.tokenizer.vocabularySize == tokenizer.vocabularySize else {
            throw LLMError(.invalidArgument, "\(variant.name) and \(name) have different vocabularies (\(variant.config.vocabularySize) and \(config.vocabularySize) tokens): agreement compares distributions over the same tokens")
        }
        guard window >= 4, window <= min(config.contextLength, variant.config.contextLength) else {
            throw LLMError(.invalidArgument, "window must be within 4...\(min(config.contextLength, variant.config.contextLength)) tokens, got \(window)")
        }
        let ids = try tokenizer.encode(text, parseSpecial: false)
        guard ids.count >= window else { throw LLMError(.invalidArgument, "the text has \(ids.count) tokens, fewer than one window of \(window)") }
        let first = window / 2
        let vocabulary = config.vocabularySize
        var divergences: [Double] = [], changes: [Double] = []
        var sameTop = 0, windows = 0
        let baseCache = decoder.makeCache(limit: window), variantCache = variant.decoder.makeCache(limit: window)
        var start = 0
        while start + window <= ids.count {
            if let maxWindows, windows >= maxWindows { break }
            if shouldStop() { break }
            baseCache.reset()
            variantCache.reset()
            let tokens = Array(ids[start..<(start + window)])
            // Rows of positions first…window−2, which predict tokens first+1…window−1. // (rows, width)
            let rows = window - 1 - first
            let baseHidden = try decoder.forward(tokens, cache: baseCache, keep: window - first)
            let variantHidden = try variant.decoder.forward(tokens, cache: variantCache, keep: window - first)
            let chunk = 32  // rows of logits at a time: 6.3 MB per model for SmolLM2
            var row = 0
            while row < rows {
                let end = min(row + chunk, rows)
                let range = (row * config.width)..<(end * config.width)
                let p = try decoder.logits(Array(baseHidden[range])), q = try variant.decoder.logits(Array(variantHidden[range]))
                for r in row..<end {
                    let offset = (r - row) * vocabulary
                    let target = Int(tokens[first + 1 + r])
                    let result = Self.compare(p[offset..<(offset + vocabulary)], q[offset..<(offset + vocabulary)], target: target)
                    divergences.append(result.divergence)
                    changes.append(result.change)
                    if result.sameTop { sameTop += 1 }
                }
                row = end
            }
            windows += 1
            start += window
        }
        guard windows > 0 else { throw LLMError(.invalidArgument, "agreement stopped before the first window finished") }
        return ModelAgreement(divergences: divergences, probabilityChanges: changes, sameTop: sameTop, windows: windows, window: window)
    }

    /// KL(P ‖ Q) in f64 from two logit rows, whether their top tokens agree, and Q(target) − P(target).
    static func compare(_ p: ArraySlice<Float>, _ q: ArraySlice<Float>, target: Int) -> (divergence: Double, sameTop: Bool, change: Double) {
        func logSoftmax(_ row: ArraySlice<Float>) -> (values: [Double], top: Int) {
            var largest = -Float.infinity, top = 0
            for (i, v) in zip(0..., row) where v > largest { largest = v; top = i }
            let values = row.map { Double($0 - largest) }
            let total = Foundation.log(values.reduce(0) { $0 + Foundation.exp($1) })
            return (values.map { $0 - total }, top)
        }
        let (lp, topP) = logSoftmax(p), (lq, topQ) = logSoftmax(q)
        var divergence = 0.0
        for i in lp.indices { divergence += Foundation.exp(lp[i]) * (lp[i] - lq[i]) }
        return (max(0, divergence), topP == topQ, Foundation.exp(lq[target]) - Foundation.exp(lp[target]))
    }
}
