import Foundation

/// Log-probabilities and perplexity from token ids.
extension LlamaDecoder {
    /// log softmax(logits)[target], in f64. // logits: (vocabularySize)
    static func logProbability(_ logits: UnsafeBufferPointer<Float>, of target: Int) -> Double {
        var largest = -Float.infinity
        for value in logits { largest = max(largest, value) }
        var total = 0.0
        for value in logits { total += Foundation.exp(Double(value - largest)) }
        return Double(logits[target] - largest) - Foundation.log(total)
    }

    /// The log-probability of each token of `continuation` after `context` (natural log). The context must not be
    /// empty (the first continuation token needs a position to be predicted from).
    public func logProbabilities(context: [Int32], continuation: [Int32]) throws -> [Double] {
        guard !context.isEmpty else { throw LLMError(.invalidArgument, "the context is empty: a continuation needs at least one token before it") }
        guard !continuation.isEmpty else { return [] }
        let all = context + continuation
        guard all.count <= config.contextLength else {
            throw LLMError(.invalidArgument, "context and continuation are \(all.count) tokens, past the model's context of \(config.contextLength)")
        }
        let cache = makeCache(limit: all.count)
        // Hidden states of the positions that predict each continuation token. // (continuation, width)
        let hidden = try forward(all, cache: cache, keep: continuation.count + 1)
        return try scoreRows(hidden: Array(hidden.prefix(continuation.count * config.width)), targets: continuation)
    }

    /// log p(target[i]) from hidden row i, computing the output head in chunks so logits never take more than
    /// a few MB. // hidden: (targets, width)
    func scoreRows(hidden: [Float], targets: [Int32]) throws -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(targets.count)
        try forEachLogitRow(hidden: hidden, rows: targets.count) { row, logits in
            result.append(Self.logProbability(logits, of: Int(targets[row])))
        }
        return result
    }

    /// The logits of each of `rows` hidden rows in order, computing the output head in chunks so logits never take more
    /// than a few MB. // hidden: (rows, width); body gets (row, logits: (vocabularySize))
    func forEachLogitRow(hidden: [Float], rows: Int, _ body: (Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let chunk = 64  // rows of logits at a time: 12.6 MB for SmolLM2, and the output head is dequantized once per chunk
        var start = 0
        while start < rows {
            let end = min(start + chunk, rows)
            let logits = try self.logits(Array(hidden[(start * config.width)..<(end * config.width)]))
            try logits.withUnsafeBufferPointer { all in
                for row in start..<end {
                    try body(row, UnsafeBufferPointer(rebasing: all[((row - start) * config.vocabularySize)..<((row - start + 1) * config.vocabularySize)]))
                }
            }
            start = end
        }
    }

    /// The result of a perplexity run.
    public struct PerplexityResult: Sendable {
        /// exp(mean negative log-likelihood).
        public let perplexity: Double
        /// Standard error of the perplexity (from the NLL's standard error, delta method, as llama-perplexity).
        public let standardError: Double
        public let meanNegativeLogLikelihood: Double
        /// Tokens predicted (scored), and windows run.
        public let scoredTokens: Int
        public let windows: Int
        public let window: Int
        public let stride: Int
        /// Negative log-likelihood of every scored token, in order.
        public let negativeLogLikelihoods: [Double]
    }

    /// Perplexity of `tokens` in windows of `window` tokens starting every `stride` tokens (stride = window by
    /// default: non-overlapping). Each window is run from an empty cache; its predictions from position
    /// `first = max(window − stride, window / 2)` on are scored (position j predicts token j + 1), so every scored
    /// token has at least half a window of context. With stride = window this is llama-perplexity's method.
    /// `maxWindows` limits the windows (llama-perplexity's `--chunks`); `shouldStop` is asked between windows.
    public func perplexity(tokens: [Int32], window: Int, stride: Int? = nil, maxWindows: Int? = nil,
                           shouldStop: () -> Bool = { false }) throws -> PerplexityResult {
        let stride = stride ?? window
        guard window >= 4 else { throw LLMError(.invalidArgument, "window must be at least 4 tokens, got \(window)") }
        guard window <= config.contextLength else {
            throw LLMError(.invalidArgument, "window \(window) is past the model's context of \(config.contextLength)")
        }
        guard stride >= 1, stride <= window else { throw LLMError(.invalidArgument, "stride must be in 1…window (\(window)), got \(stride)") }
        guard tokens.count >= window else {
            throw LLMError(.invalidArgument, "the text has \(tokens.count) tokens, fewer than one window of \(window)")
        }
        let first = max(window - stride, window / 2)
        var nll: [Double] = []
        var windows = 0
        let cache = makeCache(limit: window)
        var start = 0
        while start + window <= tokens.count {
            if let maxWindows, windows >= maxWindows { break }
            if shouldStop() { break }
            cache.reset()
            let ids = Array(tokens[start..<(start + window)])
            // Positions first…window−2 predict tokens first+1…window−1.
            let hidden = try forward(ids, cache: cache, keep: window - first)
            let rows = Array(hidden.prefix((window - 1 - first) * config.width))
            let logp = try scoreRows(hidden: rows, targets: Array(ids[(first + 1)..<window]))
            nll += logp.map { -$0 }
            windows += 1
            start += stride
        }
        guard !nll.isEmpty else { throw LLMError(.invalidArgument, "perplexity stopped before the first window finished") }
        let mean = nll.reduce(0, +) / Double(nll.count)
        let meanSquare = nll.reduce(0) { $0 + $1 * $1 } / Double(nll.count)
        let variance = max(0, meanSquare - mean * mean)
        let nllError = nll.count > 1 ? (variance / Double(nll.count - 1)).squareRoot() : 0
        let ppl = Foundation.exp(mean)
        return PerplexityResult(perplexity: ppl, standardError: nllError * ppl, meanNegativeLogLikelihood: mean,
                                scoredTokens: nll.count, windows: windows, window: window, stride: stride,
                                negativeLogLikelihoods: nll)
    }
}
