import EffKernels

/// The tensors of a Llama-family model: as loaded, `GGMLMatrix` views into the GGUF mapping (nothing is copied but
/// the small f32 norm vectors); after `mapMatrices`, any `DecoderMatrix` (e.g. re-quantized to eff's formats). Names follow llama.cpp's GGUF convention (`blk.N.attn_q.weight`, …).
public struct LlamaWeights: @unchecked Sendable {
    public struct Block: @unchecked Sendable {
        public let attentionNorm: [Float]   // (width)
        public let query: DecoderMatrix        // (headCount·headSize, width)
        public let key: DecoderMatrix          // (kvHeadCount·headSize, width)
        public let value: DecoderMatrix        // (kvHeadCount·headSize, width)
        public let output: DecoderMatrix       // (width, headCount·headSize)
        public let feedForwardNorm: [Float] // (width)
        public let gate: DecoderMatrix         // (feedForward, width)
        public let up: DecoderMatrix           // (feedForward, width)
        public let down: DecoderMatrix         // (width, feedForward)
    }

    public let tokenEmbedding: DecoderMatrix  // (vocabularySize, width)
    public let blocks: [Block]
    public let outputNorm: [Float]          // (width)
    /// The output head: `output.weight`, or the token embedding when the file ties them.
    public let outputHead: DecoderMatrix      // (vocabularySize, width)
    public let tiedEmbedding: Bool

    /// Finds and checks every tensor the decoder needs: present, of a runnable type, of the right shape.
    public init(file: GGUFFile, config: LlamaConfig) throws {
        func matrix(_ name: String, rows: Int, columns: Int) throws -> DecoderMatrix {
            guard let tensor = file.tensor(name) else {
                throw LLMError(.malformed, "\(file.path): tensor '\(name)' is missing")
            }
            guard tensor.type.traits.isRunnable else {
                throw LLMError(.unsupported, "\(file.path): tensor '\(name)' (tensor info at offset \(tensor.infoOffset)) has type \(tensor.type.name), which eff does not run (runnable: \(GGMLType.runnableNames.joined(separator: ", "))); re-quantize the model with llama-quantize to one of those")
            }
            guard tensor.shape == [columns, rows] else {
                throw LLMError(.malformed, "\(file.path): tensor '\(name)' (tensor info at offset \(tensor.infoOffset)) has shape \(tensor.shape), expected [\(columns), \(rows)] (columns first)")
            }
            return .ggml(try GGMLMatrix(type: tensor.type, data: file.data(tensor), rows: rows, columns: columns))
        }
        func vector(_ name: String, count: Int) throws -> [Float] {
            guard let tensor = file.tensor(name) else { throw LLMError(.malformed, "\(file.path): tensor '\(name)' is missing") }
            guard tensor.shape == [count] else {
                throw LLMError(.malformed, "\(file.path): tensor '\(name)' (tensor info at offset \(tensor.infoOffset)) has shape \(tensor.shape), expected [\(count)]")
            }
            guard tensor.type.traits.isRunnable else {
                throw LLMError(.unsupported, "\(file.path): tensor '\(name)' (tensor info at offset \(tensor.infoOffset)) has type \(tensor.type.name), which eff does not run")
            }
            var values = [Float](repeating: 0, count: count)
            let m = try GGMLMatrix(type: tensor.type, data: file.data(tensor), rows: 1, columns: count)
            values.withUnsafeMutableBufferPointer { m.dequantizeRow(0, into: $0.baseAddress!) }
            return values
        }
        let c = config
        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabularySize, columns: c.width)
        blocks = try (0..<c.blockCount).map { i in
            let p = "blk.\(i)."
            return Block(attentionNorm: try vector(p + "attn_norm.weight", count: c.width),
                         query: try matrix(p + "attn_q.weight", rows: c.headCount * c.headSize, columns: c.width),
                         key: try matrix(p + "attn_k.weight", rows: c.kvWidth, columns: c.width),
                         value: try matrix(p + "attn_v.weight", rows: c.kvWidth, columns: c.width),
                         output: try matrix(p + "attn_output.weight", rows: c.width, columns: c.headCount * c.headSize),
                         feedForwardNorm: try vector(p + "ffn_norm.weight", count: c.width),
                         gate: try matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: c.width),
                         up: try matrix(p + "ffn_up.weight", rows: c.feedForward, columns: c.width),
                         down: try matrix(p + "ffn_down.weight", rows: c.width, columns: c.feedForward))
        }
        outputNorm = try vector("output_norm.weight", count: c.width)
        if file.tensor("output.weight") != nil {
            outputHead = try matrix("output.weight", rows: c.vocabularySize, columns: c.width)
            tiedEmbedding = false
        } else {
            outputHead = tokenEmbedding
            tiedEmbedding = true
        }
    }

    /// Every matrix with a name for summaries, in file order of use.
    public var namedMatrices: [(name: String, matrix: DecoderMatrix)] {
        var list: [(String, DecoderMatrix)] = [("token_embd", tokenEmbedding)]
        for (i, b) in blocks.enumerated() {
            list += [("blk.\(i).attn_q", b.query), ("blk.\(i).attn_k", b.key), ("blk.\(i).attn_v", b.value),
                     ("blk.\(i).attn_output", b.output), ("blk.\(i).ffn_gate", b.gate), ("blk.\(i).ffn_up", b.up),
                     ("blk.\(i).ffn_down", b.down)]
        }
        if !tiedEmbedding { list.append(("output", outputHead)) }
        return list
    }

    init(tokenEmbedding: DecoderMatrix, blocks: [Block], outputNorm: [Float], outputHead: DecoderMatrix, tiedEmbedding: Bool) {
        self.tokenEmbedding = tokenEmbedding
        self.blocks = blocks
        self.outputNorm = outputNorm
        self.outputHead = outputHead
        self.tiedEmbedding = tiedEmbedding
    }

    /// The same weights with every matrix passed through `transform` (given its name as in `namedMatrices`);
    /// a tied output head stays tied to the transformed embedding. Matrices are transformed one at a time, in order.
    public func mapMatrices(_ transform: (String, DecoderMatrix) throws -> DecoderMatrix) rethrows -> LlamaWeights {
        let embedding = try transform("token_embd", tokenEmbedding)
        let newBlocks = try blocks.enumerated().map { i, b in
            let p = "blk.\(i)."
            return Block(attentionNorm: b.attentionNorm, query: try transform(p + "attn_q", b.query),
                         key: try transform(p + "attn_k", b.key), value: try transform(p + "attn_v", b.value),
                         output: try transform(p + "attn_output", b.output), feedForwardNorm: b.feedForwardNorm,
                         gate: try transform(p + "ffn_gate", b.gate), up: try transform(p + "ffn_up", b.up),
                         down: try transform(p + "ffn_down", b.down))
        }
        let head = tiedEmbedding ? embedding : try transform("output", outputHead)
        return LlamaWeights(tokenEmbedding: embedding, blocks: newBlocks, outputNorm: outputNorm, outputHead: head,
                            tiedEmbedding: tiedEmbedding)
    }
}
