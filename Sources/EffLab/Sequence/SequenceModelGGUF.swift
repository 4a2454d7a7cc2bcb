import EffLLM
import EffModels

/// Sequence models as GGUF files. This lives in EffLab because it needs both EffModels (the model) and EffLLM (the
/// GGUF writer and the Llama layout); EffLLM's `LlamaGGUFExport` takes plain tensors and hyperparameters.
extension SequenceModel {
    /// The model as a Llama GGUF file that eff's `LanguageModel` and llama.cpp run: it must be a plain transformer,
    /// blocks alternating `attention(heads:)` (dense, no window or block pattern) and `ffn(hidden:)` with SwiGLU,
    /// starting with attention, and it must have a vocabulary (trained, or given). The fused `attn_qkv` splits into
    /// `attn_q`, `attn_k`, `attn_v` and `ffn_up` (gate rows, then up rows) into `ffn_gate` and `ffn_up`. Other
    /// architectures (MoE, SSM, sliding-window or block-sparse attention, GELU) are an error naming the block:
    /// save them with `saveSafeTensors`.
    public func llamaGGUF(contextLength: Int = 2048) throws -> GGUFWriter {
        func fail(_ message: String) -> ModelsError {
            ModelsError(.weightFile, "model '\(name)' cannot be a Llama GGUF file: \(message); save it as safetensors instead")
        }
        guard let vocabulary else { throw fail("it has no vocabulary (train it on text first)") }
        let specs = self.specs
        guard specs.count % 2 == 0, !specs.isEmpty else {
            throw fail("it has \(specs.count) blocks; Llama needs pairs of attention and ffn blocks")
        }
        var heads = 0, hidden = 0
        var base = 10000.0
        for (index, spec) in specs.enumerated() {
            let expected = index % 2 == 0 ? "attention" : "ffn"
            guard spec.kind == expected else { throw fail("block \(index + 1) is \(spec.kind), where Llama has \(expected)") }
            if expected == "attention" {
                guard spec.arguments["window"] == nil, spec.arguments["block"] == nil else {
                    throw fail("block \(index + 1) is windowed or block-sparse attention; llama.cpp's Llama attends densely")
                }
                guard case .number(let h)? = spec.arguments["heads"], case .number(let b)? = spec.arguments["base"] else {
                    throw fail("block \(index + 1) names no heads or RoPE base")
                }
                if index > 0 && (Int(h) != heads || b != base) { throw fail("attention blocks differ in heads or RoPE base") }
                heads = Int(h)
                base = b
            } else {
                if case .name(let activation)? = spec.arguments["activation"], activation != "swiglu" {
                    throw fail("block \(index + 1) is a \(activation) feed-forward network; Llama's is SwiGLU")
                }
                guard case .number(let size)? = spec.arguments["hidden"] else { throw fail("block \(index + 1) names no hidden size") }
                if index > 1 && Int(size) != hidden { throw fail("feed-forward blocks differ in hidden size") }
                hidden = Int(size)
            }
        }
        let tensors = Dictionary(uniqueKeysWithValues: zip(parameterShapes.map(\.name), parameters))
        let w = width
        var layers: [LlamaGGUFExport.Layer] = []
        for layer in 0..<(specs.count / 2) {
            let a = "blk.\(2 * layer).", f = "blk.\(2 * layer + 1)."
            let qkv = tensors[a + "attn_qkv.weight"]!, up = tensors[f + "ffn_up.weight"]!
            layers.append(LlamaGGUFExport.Layer(
                attentionNorm: tensors[a + "norm.weight"]!,
                query: Array(qkv[0..<(w * w)]), key: Array(qkv[(w * w)..<(2 * w * w)]), value: Array(qkv[(2 * w * w)...]),
                output: tensors[a + "attn_output.weight"]!,
                feedForwardNorm: tensors[f + "norm.weight"]!,
                gate: Array(up[0..<(hidden * w)]), up: Array(up[(hidden * w)...]),
                down: tensors[f + "ffn_down.weight"]!))
        }
        let config = LlamaConfig(blockCount: layers.count, width: w, feedForward: hidden, headCount: heads, kvHeadCount: heads,
                                 ropeBase: Float(base), rmsEpsilon: 1e-5, contextLength: contextLength,
                                 vocabularySize: vocabularySize)
        return try LlamaGGUFExport.writer(name: name, config: config, tokens: vocabulary.tokens,
                                          embedding: tensors["token_embd.weight"]!, layers: layers,
                                          outputNorm: tensors["output_norm.weight"]!, output: tensors["output.weight"]!)
    }

    /// Writes `llamaGGUF(contextLength:)` to `path`.
    public func saveGGUF(path: String, contextLength: Int = 2048) throws {
        try llamaGGUF(contextLength: contextLength).write(to: path)
    }
}
