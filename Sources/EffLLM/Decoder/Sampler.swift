import Foundation

/// How the next token is chosen from logits: greedy when `temperature` is 0, else sampled after a repetition
/// penalty, top-k and top-p (nucleus) filtering, with a seeded generator so a seed gives the same text every run.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 = greedy (argmax); otherwise logits are divided by it before the softmax.
    public var temperature: Double = 0
    /// Keep only the k most likely tokens (0 = all).
    public var topK: Int = 40
    /// Keep the smallest set of tokens whose probabilities sum to at least p (1 = all).
    public var topP: Double = 0.95
    /// Divides positive logits (multiplies negative ones) of tokens seen in the last `repetitionWindow` tokens
    /// (llama.cpp's `penalty_repeat`; 1 = off).
    public var repetitionPenalty: Double = 1
    public var repetitionWindow: Int = 64
    public var seed: UInt64 = 0

    public init(temperature: Double = 0, topK: Int = 40, topP: Double = 0.95, repetitionPenalty: Double = 1,
                repetitionWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
    }

    /// Checks ranges, naming the option at fault.
    public func validate() throws {
        guard temperature >= 0, temperature.isFinite else { throw LLMError(.invalidArgument, "temperature must be ≥ 0, got \(temperature)") }
        guard topK >= 0 else { throw LLMError(.invalidArgument, "top_k must be ≥ 0 (0 = all), got \(topK)") }
        guard topP > 0, topP <= 1 else { throw LLMError(.invalidArgument, "top_p must be in (0, 1], got \(topP)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw LLMError(.invalidArgument, "repetition_penalty must be > 0 (1 = off), got \(repetitionPenalty)")
        }
    }
}

/// Chooses tokens; holds the random state.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var state: UInt64

    public init(_ options: SamplingOptions) {
        self.options = options
        state = options.seed &+ 0x9E37_79B9_7F4A_7C15
    }

    /// SplitMix64: a small, well-distributed generator; the same seed gives the same sequence everywhere.
    private mutating func nextUniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    /// The next token given `logits` (vocabulary size) and the tokens so far.
    public mutating func next(_ logits: [Float], history: [Int32]) -> Int32 {
        var logits = logits
        if options.repetitionPenalty != 1 {
            let penalty = Float(options.repetitionPenalty)
            for token in Set(history.suffix(options.repetitionWindow)) where Int(token) < logits.count {
                let i = Int(token)
                logits[i] = logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty
            }
        }
        if options.temperature == 0 { return Int32(Self.argmax(logits)) }
        // Candidates by descending logit: top-k first (a partial sort is enough), then softmax and top-p.
        var order = Array(logits.indices)
        let k = options.topK > 0 ? min(options.topK, logits.count) : logits.count
        order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        order = Array(order.prefix(k))
        let top = Double(logits[order[0]])
        var weights = order.map { Foundation.exp((Double(logits[$0]) - top) / options.temperature) }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        var kept = 0
        var cumulative = 0.0
        while kept < weights.count {
            cumulative += weights[kept]
            kept += 1
            if cumulative >= options.topP { break }
        }
        let draw = nextUniform() * weights.prefix(kept).reduce(0, +)
        var running = 0.0
        for i in 0..<kept {
            running += weights[i]
            if draw < running { return Int32(order[i]) }
        }
        return Int32(order[kept - 1])
    }

    /// Index of the largest value (the first on ties, as llama.cpp's greedy sampler).
    public static func argmax<Values: RandomAccessCollection<Float>>(_ values: Values) -> Int {
        var best = 0, bestValue = -Float.infinity
        for (offset, value) in values.enumerated() where value > bestValue || offset == 0 { best = offset; bestValue = value }
        return best
    }
}
