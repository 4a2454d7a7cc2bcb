/// Byte-level BPE (GGUF `tokenizer.ggml.model = gpt2`) whose token ids equal llama.cpp's.
///
/// Encoding, as llama.cpp's `llama_tokenize` does it:
/// 1. special tokens written in the text (`<|im_start|>`) are cut out first, longest first, and become their
///    ids; control tokens only when `parseSpecial` is true, user-defined tokens always;
/// 2. each remaining stretch of text is cut into words by the file's pre-tokenizer (``PreTokenizer``);
/// 3. each word's bytes are merged by rank (``BPEMerger``); a symbol that is not a vocabulary entry falls back
///    to its single bytes.
///
/// Decoding renders each token as llama.cpp's `token_to_piece` does: normal tokens are turned back from the
/// byte-level alphabet into bytes, control and unknown tokens appear only when `renderSpecial` is true,
/// user-defined tokens always as their text, `<0xXX>` byte tokens as that byte, unused ones as nothing.
///
/// Immutable after `init`, so one tokenizer can be shared between threads.
public final class BPETokenizer: Sendable {
    /// The vocabulary it was built from.
    public let vocabulary: TokenizerVocabulary
    /// Token ids that end generation: the end-of-sequence token and the end-of-turn tokens llama.cpp
    /// recognises by their text (`<|im_end|>`, `<|endoftext|>`, `<|eot_id|>`, …).
    public let endOfGeneration: Set<Int32>
    /// The ChatML template of an Instruct model, nil when the file has none or another kind.
    public let chatTemplate: ChatTemplate?
    /// Why `chatTemplate` is nil when the file has a template eff cannot run.
    public let chatTemplateError: LLMError?

    let preTokenizer: PreTokenizer
    private let table: MergeTable
    private let tokenIDs: [String: Int32]
    private let attributes: [TokenAttributes]
    /// Special tokens as byte strings, longest first (llama.cpp's `cache_special_tokens` order).
    private let specialTokens: [(id: Int32, bytes: [UInt8], isControl: Bool)]
    /// Every token's rendering with special tokens shown, concatenated; `pieceOffsets[id]..<pieceOffsets[id+1]`.
    private let pieces: [UInt8]
    private let pieceOffsets: [Int]

    /// The number of tokens.
    public var vocabularySize: Int { vocabulary.tokens.count }

    /// Every `tokenizer.ggml.pre` name this tokenizer runs.
    public static var supportedPreTokenizers: [String] { PreTokenizer.supportedNames }

    /// Checks the vocabulary and builds the merge table (about 0.1 s for 49,152 tokens and 48,900 merges).
    public init(vocabulary: TokenizerVocabulary) throws {
        guard vocabulary.model == "gpt2" else {
            throw LLMError(.unsupported, "tokenizer.ggml.model is \"\(vocabulary.model)\": eff runs byte-level "
                           + "BPE tokenizers, model \"gpt2\" only")
        }
        guard let preTokenizer = PreTokenizer(name: vocabulary.preTokenizer) else {
            throw LLMError(.unsupported, "tokenizer.ggml.pre is \"\(vocabulary.preTokenizer)\", a pre-tokenizer "
                           + "eff does not run; supported: "
                           + PreTokenizer.supportedNames.joined(separator: ", "))
        }
        let count = vocabulary.tokens.count
        guard count > 0, count < Int(Int32.max) / 2 else {
            throw LLMError(.malformed, "tokenizer.ggml.tokens has \(count) entries")
        }
        guard vocabulary.types.count == count else {
            throw LLMError(.malformed, "tokenizer.ggml.token_type has \(vocabulary.types.count) entries for "
                           + "\(count) tokens")
        }
        for (field, id) in [("bos", vocabulary.bos), ("eos", vocabulary.eos), ("unknown", vocabulary.unknown),
                            ("padding", vocabulary.padding)] {
            if let id, id < 0 || Int(id) >= count {
                throw LLMError(.malformed, "tokenizer.ggml.\(field)_token_id is \(id), outside the \(count) tokens")
            }
        }
        if vocabulary.addBOS && vocabulary.bos == nil {
            throw LLMError(.malformed, "tokenizer.ggml.add_bos_token is true but the file names no bos_token_id")
        }
        if vocabulary.addEOS && vocabulary.eos == nil {
            throw LLMError(.malformed, "tokenizer.ggml.add_eos_token is true but the file names no eos_token_id")
        }

        // Texts, as llama.cpp stores them: an empty entry becomes "[EMPTY_<id>]"; duplicates are an error there.
        var texts = vocabulary.tokens
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(count)
        for i in 0..<count {
            if texts[i].isEmpty { texts[i] = "[EMPTY_\(i)]" }
            if let earlier = ids.updateValue(Int32(i), forKey: texts[i]) {
                throw LLMError(.malformed, "tokenizer.ggml.tokens[\(i)] repeats tokens[\(earlier)] "
                               + "(\"\(texts[i].prefix(40))\")")
            }
        }

        var attributes = vocabulary.types.map(TokenAttributes.init(type:))
        var endOfGeneration = Set<Int32>()
        if let eos = vocabulary.eos { endOfGeneration.insert(eos) }
        for text in TokenAttributes.controlLookingTexts {
            guard let id = ids[text] else { continue }
            attributes[Int(id)].insert(.control)
            if TokenAttributes.endOfGenerationTexts.contains(text) { endOfGeneration.insert(id) }
        }

        var special: [(id: Int32, bytes: [UInt8], isControl: Bool)] = []
        for i in 0..<count where !attributes[i].isDisjoint(with: [.control, .userDefined, .unknown]) {
            special.append((Int32(i), Array(texts[i].utf8), !attributes[i].isDisjoint(with: [.control, .unknown])))
        }
        special.sort { $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id }

        var pieces: [UInt8] = []
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        for i in 0..<count {
            pieces.append(contentsOf: Self.render(text: texts[i], attributes: attributes[i]))
            offsets.append(pieces.count)
        }

        self.vocabulary = vocabulary
        self.preTokenizer = preTokenizer
        self.table = try MergeTable(tokens: texts, tokenIDs: ids, merges: vocabulary.merges)
        self.tokenIDs = ids
        self.attributes = attributes
        self.specialTokens = special
        self.pieces = pieces
        self.pieceOffsets = offsets
        self.endOfGeneration = endOfGeneration
        if let template = vocabulary.chatTemplate {
            do {
                chatTemplate = try ChatTemplate(template: template)
                chatTemplateError = nil
            } catch let error as LLMError {
                chatTemplate = nil
                chatTemplateError = error
            }
        } else {
            chatTemplate = nil
            chatTemplateError = nil
        }
    }

    // MARK: encoding

    /// The token ids of `text`.
    /// - Parameters:
    ///   - parseSpecial: control tokens written in the text become their ids (llama.cpp's `special=True`);
    ///     when false they are tokenized as plain text. User-defined tokens are matched either way.
    ///   - addBOS: put the BOS token first; nil follows the file (`tokenizer.ggml.add_bos_token`), which is
    ///     what llama.cpp's `add_special` does. The EOS token is appended when the file asks
    ///     (`add_eos_token`) and `addBOS` is nil.
    public func encode(_ text: String, parseSpecial: Bool = true, addBOS: Bool? = nil) throws -> [Int32] {
        var output: [Int32] = []
        if addBOS ?? vocabulary.addBOS {
            guard let bos = vocabulary.bos else {
                throw LLMError(.invalidArgument, "this vocabulary has no BOS token to add")
            }
            output.append(bos)
        }
        let utf8 = Array(text.utf8)
        output.reserveCapacity(output.count + utf8.count / 3)
        var merger = BPEMerger()
        utf8.withUnsafeBufferPointer { bytes in
            for fragment in partition(bytes, parseSpecial: parseSpecial) {
                switch fragment {
                case .token(let id):
                    output.append(id)
                case .text(let range):
                    encodeOrdinaryText(UnsafeBufferPointer(rebasing: bytes[range]), merger: &merger, into: &output)
                }
            }
        }
        if addBOS == nil && vocabulary.addEOS, let eos = vocabulary.eos { output.append(eos) }
        return output
    }

    private enum Fragment {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Cuts the special tokens out of the text: for each special token, longest first, every occurrence in
    /// every stretch of text not yet cut (llama.cpp's `tokenizer_st_partition`).
    private func partition(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        for special in specialTokens where parseSpecial || !special.isControl {
            let needle = special.bytes
            var cut: [Fragment] = []
            var changed = false
            for fragment in fragments {
                guard case .text(let range) = fragment else { cut.append(fragment); continue }
                var from = range.lowerBound
                while let match = Self.find(needle, in: bytes, from: from, to: range.upperBound) {
                    if match > from { cut.append(.text(from..<match)) }
                    cut.append(.token(special.id))
                    from = match + needle.count
                    changed = true
                }
                if from < range.upperBound { cut.append(.text(from..<range.upperBound)) }
            }
            if changed { fragments = cut }
        }
        return fragments
    }

    /// The first occurrence of `needle` in `bytes[from..<to]`.
    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard let first = needle.first, to - from >= needle.count else { return nil }
        var i = from
        let last = to - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Pre-tokenizes a stretch without special tokens and merges each word.
    private func encodeOrdinaryText(_ bytes: UnsafeBufferPointer<UInt8>, merger: inout BPEMerger,
                                    into output: inout [Int32]) {
        let text = ScalarText(utf8: bytes)
        var scalarStart = 0
        for length in preTokenizer.split(text) {
            let byteStart = text.utf8Offsets[scalarStart], byteEnd = text.utf8Offsets[scalarStart + length]
            scalarStart += length
            let word = UnsafeBufferPointer(rebasing: bytes[byteStart..<byteEnd])
            if preTokenizer.ignoresMerges, word.count > 1,
               let id = tokenIDs[ByteLevelAlphabet.encode(word)], Int(id) < vocabularySize {
                output.append(id)
                continue
            }
            merger.encode(word: word, table: table, into: &output)
        }
    }

    // MARK: decoding

    /// The bytes token `id` stands for (empty for an id out of range, and for control tokens unless
    /// `renderSpecial`).
    public func pieceBytes(_ id: Int32, renderSpecial: Bool = false) -> [UInt8] {
        guard id >= 0, Int(id) < vocabularySize else { return [] }
        if !renderSpecial && isHiddenUnlessSpecial(id) { return [] }
        return Array(pieces[pieceOffsets[Int(id)]..<pieceOffsets[Int(id) + 1]])
    }

    /// `pieceBytes`, with an id out of range an error.
    public func pieceBytes(checking id: Int32, renderSpecial: Bool = false) throws -> [UInt8] {
        try check(id)
        return pieceBytes(id, renderSpecial: renderSpecial)
    }

    /// The bytes of the tokens, concatenated (llama-cpp-python's `detokenize`).
    public func decodeBytes(_ ids: [Int32], renderSpecial: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < vocabularySize {
            if !renderSpecial && isHiddenUnlessSpecial(id) { continue }
            bytes.append(contentsOf: pieces[pieceOffsets[Int(id)]..<pieceOffsets[Int(id) + 1]])
        }
        return bytes
    }

    /// The text of the tokens; bytes that are not valid UTF-8 become U+FFFD, ids out of range are skipped.
    public func decode(_ ids: [Int32], renderSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// `decode`, with an id out of range an error.
    public func decode(checking ids: [Int32], renderSpecial: Bool = false) throws -> String {
        for id in ids { try check(id) }
        return decode(ids, renderSpecial: renderSpecial)
    }

    // MARK: the vocabulary

    /// The vocabulary entry of a token (in the byte-level alphabet: `Ġthe`), nil out of range.
    public func tokenText(_ id: Int32) -> String? {
        id >= 0 && Int(id) < vocabularySize ? vocabulary.tokens[Int(id)] : nil
    }

    /// The token whose vocabulary entry is `text` (written in the byte-level alphabet, or a special token).
    public func tokenID(_ text: String) -> Int32? {
        guard let id = tokenIDs[text], Int(id) < vocabularySize else { return nil }
        return id
    }

    /// Whether a token is a control token (or unknown), shown only when special tokens are rendered.
    public func isControl(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < vocabularySize && isHiddenUnlessSpecial(id)
    }

    /// The chat prompt for `messages` by the file's template; an error when it has none eff can run.
    public func chatPrompt(_ messages: [(role: String, content: String)], addGenerationPrompt: Bool = true)
        throws -> String {
        guard let chatTemplate else {
            throw chatTemplateError ?? LLMError(.unsupported, "this model file has no chat template "
                                                + "(tokenizer.chat_template); it is not an Instruct model")
        }
        return chatTemplate.chatPrompt(messages, addGenerationPrompt: addGenerationPrompt)
    }

    private func check(_ id: Int32) throws {
        guard id >= 0, Int(id) < vocabularySize else {
            throw LLMError(.invalidArgument, "token id \(id) is outside the vocabulary (0..<\(vocabularySize))")
        }
    }

    @inline(__always)
    private func isHiddenUnlessSpecial(_ id: Int32) -> Bool {
        !attributes[Int(id)].isDisjoint(with: [.control, .unknown])
    }

    /// A token's rendering with special tokens shown (llama.cpp's `token_to_piece(…, special: true)`).
    private static func render(text: String, attributes: TokenAttributes) -> [UInt8] {
        if !attributes.isDisjoint(with: [.control, .unknown, .userDefined]) { return Array(text.utf8) }
        if attributes.contains(.normal) {
            var bytes: [UInt8] = []
            for scalar in text.unicodeScalars {
                if let byte = ByteLevelAlphabet.byte(for: scalar) {
                    bytes.append(byte)
                } else {
                    // llama.cpp writes a scalar outside the alphabet this way (with the whole token's text).
                    let hex = String(scalar).utf8.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                    bytes.append(contentsOf: Array("[UNK_BYTE_0x\(hex)\(text)]".utf8))
                }
            }
            return bytes
        }
        if attributes.contains(.byte) {
            // "<0xXX>": the hexadecimal digits at offsets 3 and 4, as far as they go (strtol).
            let digits = Array(text.utf8.dropFirst(3).prefix(2))
            var value: UInt8 = 0
            for digit in digits {
                guard let d = Int(String(UnicodeScalar(digit)), radix: 16) else { break }
                value = value &* 16 &+ UInt8(d)
            }
            return [value]
        }
        return []  // unused and undefined tokens render as nothing
    }
}

/// llama.cpp's token attributes, from the GGUF token type (and a few known texts made control).
struct TokenAttributes: OptionSet, Sendable {
    let rawValue: UInt8
    static let unknown = TokenAttributes(rawValue: 1)
    static let unused = TokenAttributes(rawValue: 2)
    static let normal = TokenAttributes(rawValue: 4)
    static let control = TokenAttributes(rawValue: 8)
    static let userDefined = TokenAttributes(rawValue: 16)
    static let byte = TokenAttributes(rawValue: 32)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(type: TokenizerVocabulary.TokenType) {
        switch type {
        case .undefined: self = []
        case .normal: self = .normal
        case .unknown: self = .unknown
        case .control: self = .control
        case .userDefined: self = .userDefined
        case .unused: self = .unused
        case .byte: self = .byte
        }
    }

    /// End-of-turn texts llama.cpp treats as end of generation (and so as control tokens whatever their type).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
        "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
        "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
        "<｜end▁of▁sentence｜>", "[e~[",
    ]

    /// Texts llama.cpp makes control tokens when a file types them otherwise: the end-of-generation texts and
    /// the fill-in-the-middle markers.
    static let controlLookingTexts: [String] = endOfGenerationTexts.sorted() + [
        "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<PRE>", "▁<PRE>", "<｜fim▁begin｜>", "<|code_prefix|>",
        "<|prefix|>", "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<SUF>", "▁<SUF>", "<｜fim▁hole｜>",
        "<|code_suffix|>", "<|suffix|>", "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<MID>", "▁<MID>",
        "<｜fim▁end｜>", "<|code_middle|>", "<|middle|>", "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
        "[PAD]", "<|fim_repo|>", "<fim-repo>", "<REPO>", "<reponame>", "<|repo_name|>", "<|file_sep|>",
    ]
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
