/// Everything a tokenizer needs from a model file's `tokenizer.ggml.*` metadata, already validated for shape.
///
/// Built by `GGUFFile.tokenizerVocabulary()` from a GGUF file, or directly in tests.
public struct TokenizerVocabulary: Sendable {
    /// How a GGUF token type marks a token (llama.cpp's `llama_token_type`, stored as int32 per token).
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// `tokenizer.ggml.model`: `gpt2` (byte-level BPE) is the one eff runs.
    public var model: String
    /// `tokenizer.ggml.pre`: the pre-tokenizer name (`smollm`, `llama3`, `gpt2`, …); `default` when absent.
    public var preTokenizer: String
    /// Token texts, in the byte-level alphabet of GPT-2 (`Ġ` for a space, …). // (vocabularySize)
    public var tokens: [String]
    /// Token types. // (vocabularySize)
    public var types: [TokenType]
    /// Merges in rank order, each "left right" (one space between the two parts).
    public var merges: [String]
    /// Special token ids (nil when the file does not name one).
    public var bos: Int32?
    public var eos: Int32?
    public var unknown: Int32?
    public var padding: Int32?
    /// `tokenizer.ggml.add_bos_token` / `add_eos_token` (llama.cpp's defaults when absent).
    public var addBOS: Bool
    public var addEOS: Bool
    /// `tokenizer.chat_template` (a Jinja template), when the file has one.
    public var chatTemplate: String?

    public init(model: String, preTokenizer: String, tokens: [String], types: [TokenType], merges: [String],
                bos: Int32? = nil, eos: Int32? = nil, unknown: Int32? = nil, padding: Int32? = nil,
                addBOS: Bool = false, addEOS: Bool = false, chatTemplate: String? = nil) {
        self.model = model
        self.preTokenizer = preTokenizer
        self.tokens = tokens
        self.types = types
        self.merges = merges
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.padding = padding
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate
    }
}
