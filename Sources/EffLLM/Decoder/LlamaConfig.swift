/// The hyperparameters of a Llama-family decoder, read from GGUF metadata (`<arch>.*` keys) and checked.
public struct LlamaConfig: Sendable, Equatable {
    /// The architectures eff runs with this decoder (all use llama.cpp's Llama graph).
    public static let architectures: Set<String> = ["llama"]

    public var architecture: String
    /// Number of transformer blocks.
    public var blockCount: Int
    /// Model width (embedding length).
    public var width: Int
    /// Hidden size of the SwiGLU feed-forward layers.
    public var feedForward: Int
    /// Query heads and key/value heads (grouped-query attention when fewer KV heads).
    public var headCount: Int
    public var kvHeadCount: Int
    /// Values per head (width / headCount).
    public var headSize: Int
    /// Values per head that RoPE rotates (`rope.dimension_count`, usually headSize).
    public var ropeSize: Int
    public var ropeBase: Float
    public var rmsEpsilon: Float
    /// The longest sequence the model was trained for (positions beyond it are an error).
    public var contextLength: Int
    public var vocabularySize: Int

    /// Query heads that share one KV head.
    public var groupSize: Int { headCount / kvHeadCount }
    /// Key (or value) values per position and layer.
    public var kvWidth: Int { kvHeadCount * headSize }

    public init(architecture: String = "llama", blockCount: Int, width: Int, feedForward: Int, headCount: Int, kvHeadCount: Int,
                ropeSize: Int? = nil, ropeBase: Float = 10000, rmsEpsilon: Float = 1e-5, contextLength: Int, vocabularySize: Int) {
        self.architecture = architecture
        self.blockCount = blockCount
        self.width = width
        self.feedForward = feedForward
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headSize = headCount > 0 ? width / headCount : 0
        self.ropeSize = ropeSize ?? (headCount > 0 ? width / headCount : 0)
        self.ropeBase = ropeBase
        self.rmsEpsilon = rmsEpsilon
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
    }

    /// Reads and checks the hyperparameters of `file`; another architecture is an `.unsupported` error naming it.
    public init(file: GGUFFile) throws {
        guard let architecture = file.architecture else {
            throw LLMError(.malformed, "\(file.path): metadata 'general.architecture' is missing")
        }
        guard Self.architectures.contains(architecture) else {
            throw LLMError(.unsupported, "\(file.path): architecture '\(architecture)' is not supported (eff runs: \(Self.architectures.sorted().joined(separator: ", ")))")
        }
        let p = architecture + "."
        let width = try file.integer(p + "embedding_length", in: 1...65536)
        let heads = try file.integer(p + "attention.head_count", in: 1...1024)
        let kvHeads = try file.integer(p + "attention.head_count_kv", in: 1...1024)
        let vocabulary = try file.metadata[p + "vocab_size"] != nil
            ? file.integer(p + "vocab_size", in: 1...1 << 22)
            : (file.metadata["tokenizer.ggml.tokens"]?.array?.count ?? 0)
        self.init(architecture: architecture,
                  blockCount: try file.integer(p + "block_count", in: 1...1024),
                  width: width,
                  feedForward: try file.integer(p + "feed_forward_length", in: 1...1 << 20),
                  headCount: heads, kvHeadCount: kvHeads,
                  ropeSize: try file.metadata[p + "rope.dimension_count"] != nil ? file.integer(p + "rope.dimension_count", in: 2...65536) : nil,
                  ropeBase: Float(try file.number(p + "rope.freq_base", default: 10000)),
                  rmsEpsilon: Float(try file.number(p + "attention.layer_norm_rms_epsilon", default: 1e-5)),
                  contextLength: try file.integer(p + "context_length", in: 1...1 << 24),
                  vocabularySize: vocabulary)
        try validate(file.path)
    }

    /// Checks that the sizes fit together (heads divide the width, KV heads divide the heads, …).
    public func validate(_ source: String) throws {
        func fail(_ message: String) -> LLMError { LLMError(.malformed, "\(source): \(message)") }
        guard width % headCount == 0 else { throw fail("\(headCount) heads do not divide the width \(width)") }
        guard headCount % kvHeadCount == 0 else { throw fail("\(kvHeadCount) KV heads do not divide \(headCount) heads") }
        guard ropeSize % 2 == 0, ropeSize <= headSize else { throw fail("rope dimension \(ropeSize) must be even and at most the head size \(headSize)") }
        guard vocabularySize > 0 else { throw fail("the vocabulary is empty") }
        guard ropeBase > 0, ropeBase.isFinite else { throw fail("rope.freq_base \(ropeBase) must be positive") }
        guard rmsEpsilon >= 0, rmsEpsilon.isFinite else { throw fail("layer_norm_rms_epsilon \(rmsEpsilon) must be ≥ 0") }
    }
}
