import EffKernels
import Foundation

/// The Llama decoder, as llama.cpp computes it, read top to bottom (llama2.c's `forward` is the model):
///
///     x = embed(tokens)                                           // (T, width)
///     for each block:
///         h = rmsnorm(x) · attn_norm
///         q, k, v = h·Wqᵀ, h·Wkᵀ, h·Wvᵀ; rope(q, k) at their positions; append k, v to the cache
///         x += attention(q, cache) · Woᵀ                          // grouped-query, causal
///         h = rmsnorm(x) · ffn_norm
///         x += (silu(h·Wgateᵀ) ⊙ h·Wupᵀ) · Wdownᵀ
///     logits = (rmsnorm(x) · output_norm) · Woutputᵀ               // tied to the embedding when the file says so
///
/// Matrices run in their GGUF types on eff's kernels (`GGMLMatrix`), in place in the file's mapping, or in eff's
/// formats after re-quantizing (`DecoderMatrix`).
public final class LlamaDecoder: @unchecked Sendable {
    public let file: GGUFFile
    public let config: LlamaConfig
    public let weights: LlamaWeights

    public init(file: GGUFFile) throws {
        self.file = file
        config = try LlamaConfig(file: file)
        weights = try LlamaWeights(file: file, config: config)
    }

    /// The same model with other weights (of the same shapes), e.g. re-quantized.
    public init(file: GGUFFile, config: LlamaConfig, weights: LlamaWeights) {
        self.file = file
        self.config = config
        self.weights = weights
    }

    /// A cache for this model, limited to `limit` positions (the context length by default).
    public func makeCache(limit: Int? = nil, precision: KVCache.Precision = .f32) -> KVCache {
        KVCache(config: config, limit: limit, precision: precision)
    }

    /// Runs `tokens` at the positions after those already in `cache`, appends their keys and values, and returns
    /// the final normalized hidden states of the last `keep` positions. // returns (keep, width)
    public func forward(_ tokens: [Int32], cache: KVCache, keep: Int = 1) throws -> [Float] {
        let c = config
        let count = tokens.count
        guard count > 0 else { throw LLMError(.invalidArgument, "no tokens to run") }
        for (i, t) in tokens.enumerated() where t < 0 || Int(t) >= c.vocabularySize {
            throw LLMError(.invalidArgument, "token id \(t) at position \(i) is outside the vocabulary (0…\(c.vocabularySize - 1))")
        }
        let start = cache.count
        try cache.reserve(start + count)
        let qWidth = c.headCount * c.headSize
        // Activations of this call. // x, h: (T, width); q: (T, qWidth); k, v: (T, kvWidth); attended: (T, qWidth)
        var x = [Float](repeating: 0, count: count * c.width)
        var h = x, projected = x
        var q = [Float](repeating: 0, count: count * qWidth)
        var attended = q
        var k = [Float](repeating: 0, count: count * c.kvWidth)
        var v = k
        var gate = [Float](repeating: 0, count: count * c.feedForward), up = gate  // (T, feedForward)
        let scale = 1 / Float(c.headSize).squareRoot()

        x.withUnsafeMutableBufferPointer { xs in
            for (i, token) in tokens.enumerated() { weights.tokenEmbedding.dequantizeRow(Int(token), into: xs.baseAddress! + i * c.width) }
        }
        for (layer, block) in weights.blocks.enumerated() {
            try x.withUnsafeMutableBufferPointer { xs in
                try h.withUnsafeMutableBufferPointer { hs in
                    SequenceKernels.rmsNorm(xs.baseAddress!, rows: count, width: c.width, gain: block.attentionNorm,
                                            epsilon: c.rmsEpsilon, out: hs.baseAddress!)
                    try q.withUnsafeMutableBufferPointer { qs in
                        try k.withUnsafeMutableBufferPointer { ks in
                            try v.withUnsafeMutableBufferPointer { vs in
                                try block.query.multiply(hs.baseAddress!, batch: count, into: qs.baseAddress!)
                                try block.key.multiply(hs.baseAddress!, batch: count, into: ks.baseAddress!)
                                try block.value.multiply(hs.baseAddress!, batch: count, into: vs.baseAddress!)
                                for t in 0..<count {
                                    SequenceKernels.rope(qs.baseAddress! + t * qWidth, heads: c.headCount, headSize: c.headSize,
                                                         rotatedSize: c.ropeSize, position: start + t, base: c.ropeBase)
                                    SequenceKernels.rope(ks.baseAddress! + t * c.kvWidth, heads: c.kvHeadCount, headSize: c.headSize,
                                                         rotatedSize: c.ropeSize, position: start + t, base: c.ropeBase)
                                }
                                cache.store(layer: layer, position: start, rows: count, keys: ks.baseAddress!, values: vs.baseAddress!)
                            }
                        }
                        try attended.withUnsafeMutableBufferPointer { out in
                            try attend(q: qs.baseAddress!, cache: cache, layer: layer, start: start, count: count,
                                   scale: scale, out: out.baseAddress!)
                        }
                    }
                    try attended.withUnsafeBufferPointer { a in
                        try projected.withUnsafeMutableBufferPointer { p in
                            try block.output.multiply(a.baseAddress!, batch: count, into: p.baseAddress!)
                            for i in 0..<(count * c.width) { xs[i] += p[i] }
                        }
                    }
                    SequenceKernels.rmsNorm(xs.baseAddress!, rows: count, width: c.width, gain: block.feedForwardNorm,
                                            epsilon: c.rmsEpsilon, out: hs.baseAddress!)
                    try gate.withUnsafeMutableBufferPointer { g in
                        try up.withUnsafeMutableBufferPointer { u in
                            try block.gate.multiply(hs.baseAddress!, batch: count, into: g.baseAddress!)
                            try block.up.multiply(hs.baseAddress!, batch: count, into: u.baseAddress!)
                            SequenceKernels.siluMultiply(g.baseAddress!, u.baseAddress!, count: count * c.feedForward)
                            try projected.withUnsafeMutableBufferPointer { p in
                                try block.down.multiply(g.baseAddress!, batch: count, into: p.baseAddress!)
                                for i in 0..<(count * c.width) { xs[i] += p[i] }
                            }
                        }
                    }
                }
            }
        }
        cache.advance(by: count)
        let kept = min(max(keep, 1), count)
        var out = [Float](repeating: 0, count: kept * c.width)
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { o in
                SequenceKernels.rmsNorm(xs.baseAddress! + (count - kept) * c.width, rows: kept, width: c.width,
                                        gain: weights.outputNorm, epsilon: c.rmsEpsilon, out: o.baseAddress!)
            }
        }
        return out
    }

    /// Causal grouped-query attention of `count` new queries (positions start…start+count−1) over the cache.
    /// q: (count, headCount·headSize); keys, values: (positions, kvWidth); out: (count, headCount·headSize).
    private func attend(q: UnsafePointer<Float>, cache: KVCache, layer: Int,
                        start: Int, count: Int, scale: Float, out: UnsafeMutablePointer<Float>) throws {
        let keys = UnsafeRawPointer(cache.keys[layer]), values = UnsafeRawPointer(cache.values[layer])
        let c = config
        let qWidth = c.headCount * c.headSize
        if count >= GGMLMatrix.gemmBatch && cache.precision == .f32 {
            // A prompt: each head's causal attention as matrix products (the GEMM splits across threads).
            for head in 0..<c.headCount {
                let kvHead = head / c.groupSize
                try SequenceKernels.causalAttention(queries: q + head * c.headSize, queryStride: qWidth,
                                                    keys: keys.assumingMemoryBound(to: Float.self) + kvHead * c.headSize,
                                                    values: values.assumingMemoryBound(to: Float.self) + kvHead * c.headSize,
                                                    kvStride: c.kvWidth, start: start, count: count, headSize: c.headSize,
                                                    scale: scale, out: out + head * c.headSize)
            }
            return
        }
        let jobs = count * c.headCount
        let work = jobs * (start + count) * c.headSize
        let threads = KernelThreads.count > 1 && work > 200_000 ? KernelThreads.count : 1
        KernelThreads.forEachChunk(total: jobs, granularity: 1, threads: threads) { range in
            var scores = [Float](repeating: 0, count: start + count)
            scores.withUnsafeMutableBufferPointer { s in
                for job in range {
                    let t = job / c.headCount, head = job % c.headCount
                    let kvHead = head / c.groupSize
                    let query = q + t * qWidth + head * c.headSize, result = out + t * qWidth + head * c.headSize
                    switch cache.precision {
                    case .f32:
                        SequenceKernels.attend(query: query, keys: keys.assumingMemoryBound(to: Float.self) + kvHead * c.headSize,
                                               values: values.assumingMemoryBound(to: Float.self) + kvHead * c.headSize,
                                               length: start + t + 1, stride: c.kvWidth, headSize: c.headSize, scale: scale,
                                               scores: s.baseAddress!, out: result)
                    case .f16:
                        SequenceKernels.attendHalf(query: query, keys: keys.assumingMemoryBound(to: UInt16.self) + kvHead * c.headSize,
                                                   values: values.assumingMemoryBound(to: UInt16.self) + kvHead * c.headSize,
                                                   length: start + t + 1, stride: c.kvWidth, headSize: c.headSize, scale: scale,
                                                   scores: s.baseAddress!, out: result)
                    }
                }
            }
        }
    }

    /// Logits of hidden states from `forward`. // hidden (rows, width) → (rows, vocabularySize)
    public func logits(_ hidden: [Float]) throws -> [Float] {
        let rows = hidden.count / config.width
        var out = [Float](repeating: 0, count: rows * config.vocabularySize)
        try hidden.withUnsafeBufferPointer { hs in
            try out.withUnsafeMutableBufferPointer { o in
                try weights.outputHead.multiply(hs.baseAddress!, batch: rows, into: o.baseAddress!)
            }
        }
        return out
    }
}
