import Foundation

/// The tokens of a vocabulary (their texts) and the tokenizer that produced them.
public struct TokenVocabulary: Sendable, Equatable {
    /// "chars" (one token per character of the training text) or the name of a BPE tokenizer (e.g. "smollm2").
    public var tokenizer: String
    /// Token texts, by id.
    public var tokens: [String]
    public init(tokenizer: String, tokens: [String]) {
        self.tokenizer = tokenizer
        self.tokens = tokens
    }
    public var count: Int { tokens.count }
}

/// A text as token ids for training and scoring sequence models, with its vocabulary.
///
///     let data = TokenSequence.characters(try TextCorpus.text("austen"))   // ~4.3 M tokens, ~90 characters
///     let (train, heldOut) = try data.split(heldOut: 0.1)
public struct TokenSequence: Sendable, Equatable {
    /// Token ids, each < `vocabulary.count`.
    public let tokens: [Int32]
    public let vocabulary: TokenVocabulary
    /// What the tokens came from (for printing), e.g. "austen".
    public var name: String

    public init(tokens: [Int32], vocabulary: TokenVocabulary, name: String) throws {
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= vocabulary.count }) {
            throw ModelsError(.data, "token id \(bad) is outside the vocabulary of \(vocabulary.count)")
        }
        self.tokens = tokens
        self.vocabulary = vocabulary
        self.name = name
    }

    public var count: Int { tokens.count }

    /// One token per character (Unicode scalar), the vocabulary the text's distinct characters in code-point order.
    public static func characters(_ text: String, name: String = "text") throws -> TokenSequence {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 2 else { throw ModelsError(.data, "text '\(name)' has fewer than 2 characters") }
        let alphabet = Set(scalars).sorted { $0.value < $1.value }
        let index = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, Int32($0)) })
        let vocabulary = TokenVocabulary(tokenizer: "chars", tokens: alphabet.map { String($0) })
        return try TokenSequence(tokens: scalars.map { index[$0]! }, vocabulary: vocabulary, name: name)
    }

    /// Ids from another tokenizer, renumbered to the ids that occur (a 49,152-token BPE vocabulary becomes the few
    /// thousand a corpus uses, so the embedding and head stay laptop-sized). `texts` are the tokenizer's token texts.
    public static func compacting(ids: [Int], texts: [String], tokenizer: String, name: String) throws -> TokenSequence {
        guard ids.count >= 2 else { throw ModelsError(.data, "text '\(name)' has fewer than 2 tokens") }
        let used = Set(ids).sorted()
        if let bad = used.first(where: { $0 < 0 || $0 >= texts.count }) {
            throw ModelsError(.data, "token id \(bad) is outside the tokenizer's \(texts.count) tokens")
        }
        var renumber = [Int: Int32]()
        for (new, old) in used.enumerated() { renumber[old] = Int32(new) }
        let vocabulary = TokenVocabulary(tokenizer: tokenizer, tokens: used.map { texts[$0] })
        return try TokenSequence(tokens: ids.map { renumber[$0]! }, vocabulary: vocabulary, name: name)
    }

    /// The first (1 − heldOut) of the tokens for training and the rest held out (contiguous: no window of the held-out
    /// text overlaps the training text).
    public func split(heldOut fraction: Double) throws -> (train: TokenSequence, heldOut: TokenSequence) {
        guard fraction > 0, fraction < 1 else { throw ModelsError(.data, "held-out fraction must be in (0, 1), got \(fraction)") }
        let cut = Int((Double(count) * (1 - fraction)).rounded())
        guard cut >= 2, count - cut >= 2 else { throw ModelsError(.data, "'\(name)' (\(count) tokens) is too short to split") }
        return (try TokenSequence(tokens: Array(tokens[..<cut]), vocabulary: vocabulary, name: name + " (train)"),
                try TokenSequence(tokens: Array(tokens[cut...]), vocabulary: vocabulary, name: name + " (held out)"))
    }

    /// `batch` windows of `length + 1` tokens at random offsets. // (batch, length + 1)
    func randomWindows(batch: Int, length: Int, random: inout RandomGenerator) -> [Int32] {
        var windows: [Int32] = []
        windows.reserveCapacity(batch * (length + 1))
        for _ in 0..<batch {
            let start = random.nextIndex(below: count - length)
            windows += tokens[start..<(start + length + 1)]
        }
        return windows
    }

    /// Consecutive non-overlapping windows of `length + 1` tokens from the start, at most `limit`. // (n, length + 1)
    func consecutiveWindows(length: Int, limit: Int) -> (tokens: [Int32], count: Int) {
        let available = (count - 1) / length
        let n = min(available, limit)
        var windows: [Int32] = []
        windows.reserveCapacity(n * (length + 1))
        for w in 0..<n { windows += tokens[(w * length)...(w * length + length)] }
        return (windows, n)
    }

    /// The perplexity on `heldOut` of a unigram model counted on these tokens (add-one smoothing): the score a model
    /// that ignores context gets, so a trained model must be well below it.
    public func unigramPerplexity(on heldOut: TokenSequence) -> Double {
        var counts = [Double](repeating: 1, count: vocabulary.count)
        for token in tokens { counts[Int(token)] += 1 }
        let total = counts.reduce(0, +)
        var nats = 0.0
        for token in heldOut.tokens { nats -= log(counts[Int(token)] / total) }
        return exp(nats / Double(max(heldOut.count, 1)))
    }

    /// The text of the tokens (ids joined through the vocabulary).
    public func text(_ ids: [Int32]) -> String {
        ids.map { Int($0) < vocabulary.count ? vocabulary.tokens[Int($0)] : "" }.joined()
    }
}
