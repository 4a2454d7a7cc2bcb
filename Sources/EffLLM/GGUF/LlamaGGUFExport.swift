/// A Llama model as a GGUF file that eff's `LanguageModel` and llama.cpp both load: `general.architecture` "llama",
/// the `llama.*` hyperparameters, f32 tensors with llama.cpp's names (`token_embd`, `blk.N.attn_norm`, `attn_q`,
/// `attn_k`, `attn_v`, `attn_output`, `ffn_norm`, `ffn_gate`, `ffn_up`, `ffn_down`, `output_norm`, `output`) and a
/// byte-level BPE tokenizer (`tokenizer.ggml.model` "gpt2") whose tokens are the given texts.
///
/// Matrices are given row-major (outputs, inputs) as `nn.Linear` stores them; GGUF's ne[0] is then the input size,
/// the layout llama.cpp expects. Q and K are written as given: they must already rotate adjacent pairs (2i, 2i+1),
/// llama.cpp's RoPE "normal" mode for the llama architecture (converters from Hugging Face permute the rows for this;
/// eff's sequence models rotate adjacent pairs and need no permutation).
public enum LlamaGGUFExport {
    public struct Layer: Sendable {
        /// (width)
        public var attentionNorm: [Float]
        /// (width, width) each, rows = outputs
        public var query: [Float], key: [Float], value: [Float], output: [Float]
        /// (width)
        public var feedForwardNorm: [Float]
        /// (feedForward, width), (feedForward, width), (width, feedForward)
        public var gate: [Float], up: [Float], down: [Float]

        public init(attentionNorm: [Float], query: [Float], key: [Float], value: [Float], output: [Float],
                    feedForwardNorm: [Float], gate: [Float], up: [Float], down: [Float]) {
            self.attentionNorm = attentionNorm
            self.query = query
            self.key = key
            self.value = value
            self.output = output
            self.feedForwardNorm = feedForwardNorm
            self.gate = gate
            self.up = up
            self.down = down
        }
    }

    /// The GGUF writer holding the model. `tokens` are the token texts (each a piece of UTF-8 text; stored in GPT-2's
    /// byte-to-unicode spelling); merges join the bytes of each two-byte character so the tokenizer can produce it.
    /// `config.kvHeadCount` must equal `config.headCount` (the layers hold full K and V).
    public static func writer(name: String, config: LlamaConfig, tokens: [String], embedding: [Float], layers: [Layer],
                              outputNorm: [Float], output: [Float]) throws -> GGUFWriter {
        try config.validate(name)
        let w = config.width, f = config.feedForward, v = config.vocabularySize
        func fail(_ message: String) -> LLMError { LLMError(.invalidArgument, "exporting '\(name)' as Llama GGUF: \(message)") }
        guard config.kvHeadCount == config.headCount, config.ropeSize == config.headSize else {
            throw fail("KV heads must equal heads and RoPE must rotate whole heads")
        }
        guard layers.count == config.blockCount else { throw fail("\(layers.count) layers for block_count \(config.blockCount)") }
        guard tokens.count == v else { throw fail("\(tokens.count) token texts for a vocabulary of \(v)") }
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("llama"))
        writer.set("general.name", .string(name))
        writer.set("general.file_type", .uint32(0))   // all f32
        writer.set("llama.context_length", .uint32(UInt32(config.contextLength)))
        writer.set("llama.embedding_length", .uint32(UInt32(w)))
        writer.set("llama.block_count", .uint32(UInt32(config.blockCount)))
        writer.set("llama.feed_forward_length", .uint32(UInt32(f)))
        writer.set("llama.attention.head_count", .uint32(UInt32(config.headCount)))
        writer.set("llama.attention.head_count_kv", .uint32(UInt32(config.kvHeadCount)))
        writer.set("llama.rope.dimension_count", .uint32(UInt32(config.ropeSize)))
        writer.set("llama.rope.freq_base", .float32(config.ropeBase))
        writer.set("llama.attention.layer_norm_rms_epsilon", .float32(config.rmsEpsilon))
        writer.set("llama.vocab_size", .uint32(UInt32(v)))

        var texts: [String] = [], merges: [String] = []
        var seen = Set<String>()
        for (index, token) in tokens.enumerated() {
            let bytes = Array(token.utf8)
            guard !bytes.isEmpty else { throw fail("token \(index) is empty") }
            let text = ByteLevelAlphabet.encode(bytes)
            guard seen.insert(text).inserted else { throw fail("token \(index) (\"\(token)\") appears twice") }
            texts.append(text)
            if bytes.count == 2 {
                merges.append(ByteLevelAlphabet.encode(bytes[0..<1]) + " " + ByteLevelAlphabet.encode(bytes[1..<2]))
            }
        }
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.pre", .string("gpt-2"))
        writer.set("tokenizer.ggml.tokens", .array(.string, texts.map { .string($0) }))
        writer.set("tokenizer.ggml.token_type", .array(.int32, texts.map { _ in .int32(1) }))
        writer.set("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) }))
        writer.set("tokenizer.ggml.bos_token_id", .uint32(0))
        writer.set("tokenizer.ggml.eos_token_id", .uint32(0))
        writer.set("tokenizer.ggml.add_bos_token", .bool(false))
        writer.set("tokenizer.ggml.add_eos_token", .bool(false))

        func add(_ tensor: String, _ rows: Int, _ columns: Int?, _ values: [Float]) throws {
            let shape = columns.map { [rows, $0] } ?? [rows]
            guard shape.reduce(1, *) == values.count else {
                throw fail("\(tensor) has \(values.count) values; \(shape) needs \(shape.reduce(1, *))")
            }
            try writer.addTensor(tensor, rowMajorShape: shape, values: values)
        }
        try add("token_embd.weight", v, w, embedding)
        for (i, layer) in layers.enumerated() {
            let p = "blk.\(i)."
            try add(p + "attn_norm.weight", w, nil, layer.attentionNorm)
            try add(p + "attn_q.weight", w, w, layer.query)
            try add(p + "attn_k.weight", w, w, layer.key)
            try add(p + "attn_v.weight", w, w, layer.value)
            try add(p + "attn_output.weight", w, w, layer.output)
            try add(p + "ffn_norm.weight", w, nil, layer.feedForwardNorm)
            try add(p + "ffn_gate.weight", f, w, layer.gate)
            try add(p + "ffn_up.weight", f, w, layer.up)
            try add(p + "ffn_down.weight", w, f, layer.down)
        }
        try add("output_norm.weight", w, nil, outputNorm)
        try add("output.weight", v, w, output)
        return writer
    }
}
