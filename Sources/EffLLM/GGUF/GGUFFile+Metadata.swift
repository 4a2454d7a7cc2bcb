extension GGUFFile {
    /// A required integer metadata value, with a clear error when it is missing or not an integer in `range`.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = metadata[key] else {
            throw LLMError(.malformed, "\(path): metadata '\(key)' is missing")
        }
        guard let int = value.int, range.contains(int) else {
            throw LLMError(.malformed, "\(path): metadata '\(key)' = \(value.summary) must be an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return int
    }

    /// An optional number, with a default.
    public func number(_ key: String, default fallback: Double) throws -> Double {
        guard let value = metadata[key] else { return fallback }
        guard let number = value.double, number.isFinite else {
            throw LLMError(.malformed, "\(path): metadata '\(key)' = \(value.summary) must be a number")
        }
        return number
    }

    /// `general.architecture`.
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// The tokenizer's data from `tokenizer.ggml.*`, checked for consistent sizes.
    public func tokenizerVocabulary() throws -> TokenizerVocabulary {
        guard let model = metadata["tokenizer.ggml.model"]?.string else {
            throw LLMError(.malformed, "\(path): metadata 'tokenizer.ggml.model' is missing (the file has no tokenizer)")
        }
        guard let tokenValues = metadata["tokenizer.ggml.tokens"]?.array else {
            throw LLMError(.malformed, "\(path): metadata 'tokenizer.ggml.tokens' is missing or not an array")
        }
        var tokens: [String] = []
        tokens.reserveCapacity(tokenValues.count)
        for (index, value) in tokenValues.enumerated() {
            guard let text = value.string else {
                throw LLMError(.malformed, "\(path): tokenizer.ggml.tokens[\(index)] is not a string")
            }
            tokens.append(text)
        }
        var types: [TokenizerVocabulary.TokenType] = []
        if let typeValues = metadata["tokenizer.ggml.token_type"]?.array {
            guard typeValues.count == tokens.count else {
                throw LLMError(.malformed, "\(path): tokenizer.ggml.token_type has \(typeValues.count) entries for \(tokens.count) tokens")
            }
            for (index, value) in typeValues.enumerated() {
                guard let raw = value.int, let type = TokenizerVocabulary.TokenType(rawValue: Int32(truncatingIfNeeded: raw)) else {
                    throw LLMError(.malformed, "\(path): tokenizer.ggml.token_type[\(index)] = \(value.summary) is not a token type (0…6)")
                }
                types.append(type)
            }
        } else {
            types = Array(repeating: .normal, count: tokens.count)
        }
        var merges: [String] = []
        if let mergeValues = metadata["tokenizer.ggml.merges"]?.array {
            merges.reserveCapacity(mergeValues.count)
            for (index, value) in mergeValues.enumerated() {
                guard let text = value.string else {
                    throw LLMError(.malformed, "\(path): tokenizer.ggml.merges[\(index)] is not a string")
                }
                merges.append(text)
            }
        }
        func tokenID(_ key: String) throws -> Int32? {
            guard let value = metadata[key] else { return nil }
            guard let id = value.int, id >= 0, id < tokens.count else {
                throw LLMError(.malformed, "\(path): metadata '\(key)' = \(value.summary) is not a token id (0…\(tokens.count - 1))")
            }
            return Int32(id)
        }
        return TokenizerVocabulary(
            model: model, preTokenizer: metadata["tokenizer.ggml.pre"]?.string ?? "default",
            tokens: tokens, types: types, merges: merges,
            bos: try tokenID("tokenizer.ggml.bos_token_id"), eos: try tokenID("tokenizer.ggml.eos_token_id"),
            unknown: try tokenID("tokenizer.ggml.unknown_token_id"), padding: try tokenID("tokenizer.ggml.padding_token_id"),
            // llama.cpp's defaults when the key is absent: BOS for SentencePiece models and the Llama 3 BPE family.
            addBOS: metadata["tokenizer.ggml.add_bos_token"]?.bool
                ?? (model == "llama" || ["llama3", "llama-bpe", "falcon3"].contains(metadata["tokenizer.ggml.pre"]?.string ?? "")),
            addEOS: metadata["tokenizer.ggml.add_eos_token"]?.bool ?? false,
            chatTemplate: metadata["tokenizer.chat_template"]?.string)
    }
}
