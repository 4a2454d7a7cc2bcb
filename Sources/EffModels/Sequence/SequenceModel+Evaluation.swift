extension SequenceModel {
    /// The mean next-token loss (nats/token) of each of up to `windows` consecutive windows of `length` + 1 tokens from
    /// the start of `text`: the paired observations a perplexity claim resamples (both models, the same windows).
    public func windowLosses(on text: TokenSequence, length: Int, windows: Int) throws -> [Double] {
        guard text.vocabulary.count == vocabularySize else {
            throw ModelsError(.data, "'\(text.name)' has \(text.vocabulary.count) tokens in its vocabulary; model '\(name)' has \(vocabularySize)")
        }
        let (tokens, count) = text.consecutiveWindows(length: length, limit: windows)
        guard count > 0 else { throw ModelsError(.data, "'\(text.name)' (\(text.count) tokens) is shorter than one window of \(length + 1)") }
        return try (0..<count).map { window in
            let slice = Array(tokens[(window * (length + 1))..<((window + 1) * (length + 1))])
            return try loss(windows: slice, shape: SequenceShape(batch: 1, length: length), gradients: false).loss
        }
    }
}
