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
        try forward(batch: [(tokens: tokens, cache: cache)], keep: keep)
    }

    /// Several sequences in one pass, each with its own cache (batched decoding: one new token per sequence).
    /// Every matrix runs once over the new tokens of all sequences, so a weight row read from memory serves the
    /// whole batch; attention runs per sequence over its own cache. Returns the final normalized hidden states of
    /// the last min(keep, tokens) positions of each sequence, sequence after sequence. // (Σ kept, width)
    public func forward(batch: [(tokens: [Int32], cache: KVCache)], keep: Int = 1) throws -> [Float] {
        let c = config
        guard !batch.isEmpty else { throw LLMError(.invalidArgument, "no sequences to run") }
        var seen = Set<ObjectIdentifier>()
        for (s, sequence) in batch.enumerated() {
            guard !sequence.tokens.isEmpty else { throw LLMError(.invalidArgument, "sequence \(s) has no tokens to run") }
            guard seen.insert(ObjectIdentifier(sequence.cache)).inserted else {
                throw LLMError(.invalidArgument, "sequence \(s) shares its KV cache with an earlier sequence of the batch")
            }
            for (i, t) in sequence.tokens.enumerated() where t < 0 || Int(t) >= c.vocabularySize {
                throw LLMError(.invalidArgument, "token id \(t) at position \(i) is outside the vocabulary (0…\(c.vocabularySize - 1))")
            }
            try sequence.cache.reserve(sequence.cache.count + sequence.tokens.count)
        }
        // Rows of this call: sequence after sequence. spans[s] = (first row, rows, first position in its cache).
        var spans: [Span] = []
        var count = 0
        for sequence in batch {
            spans.append(Span(row: count, count: sequence.tokens.count, start: sequence.cache.count, cache: sequence.cache))
            count += sequence.tokens.count
        }
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
            var row = 0
            for sequence in batch {
                for token in sequence.tokens {
                    weights.tokenEmbedding.dequantizeRow(Int(token), into: xs.baseAddress! + row * c.width)
                    row += 1
                }
            }
        }
        for (layer, block) in weights.blocks.enumerated() {
            try x.withUnsafeMutableBufferPointer { xs in
                try h.withUnsafeMutableBufferPointer { hs in
                    SequenceKernels.rmsNorm(xs.baseAddress!, rows: count, width: c.width, gain: block.attentionNorm,
                                            epsilon: c.rmsEpsilon, out: hs.baseAddress!)
                    try q.withUnsafeMutableBufferPointer { qs in
                        try k.withUnsafeMutableBufferPointer { ks in
                            try v.withUnsafeMutableBufferPointer { vs in
                                try DecoderMatrix.multiply([(block.query, qs.baseAddress!), (block.key, ks.baseAddress!),
                                                            (block.value, vs.baseAddress!)], hs.baseAddress!, batch: count)
                                for span in spans {
                                    for t in 0..<span.count {
                                        let row = span.row + t
                                        SequenceKernels.rope(qs.baseAddress! + row * qWidth, heads: c.headCount, headSize: c.headSize,
                                                             rotatedSize: c.ropeSize, position: span.start + t, base: c.ropeBase)
                                        SequenceKernels.rope(ks.baseAddress! + row * c.kvWidth, heads: c.kvHeadCount, headSize: c.headSize,
                                                             rotatedSize: c.ropeSize, position: span.start + t, base: c.ropeBase)
                                    }
                                    span.cache.store(layer: layer, position: span.start, rows: span.count,
                                                     keys: ks.baseAddress! + span.row * c.kvWidth,
                                                     values: vs.baseAddress! + span.row * c.kvWidth)
                                }
                            }
                        }
                        try attended.withUnsafeMutableBufferPointer { out in
                            try attend(q: qs.baseAddress!, spans: spans, layer: layer, scale: scale, out: out.baseAddress!)
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
                            try DecoderMatrix.multiply([(block.gate, g.baseAddress!), (block.up, u.baseAddress!)],
                                                       hs.baseAddress!, batch: count)
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
        for span in spans { span.cache.advance(by: span.count) }
        let kept = spans.map { min(max(keep, 1), $0.count) }
        var out = [Float](repeating: 0, count: kept.reduce(0, +) * c.width)
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { o in
                var outRow = 0
                for (span, rows) in zip(spans, kept) {
                    SequenceKernels.rmsNorm(xs.baseAddress! + (span.row + span.count - rows) * c.width, rows: rows, width: c.width,
                                            gain: weights.outputNorm, epsilon: c.rmsEpsilon, out: o.baseAddress! + outRow * c.width)
                    outRow += rows
                }
            }
        }
        return out
    }

    /// One sequence's rows in a batched forward pass: rows row..<row+count, at positions start..<start+count.
    private struct Span {
        let row: Int
        let count: Int
        let start: Int
        let cache: KVCache
    }

    /// Causal grouped-query attention of each span's new queries over its own cache (keys and values of the new
    /// positions already stored). q: (T, headCount·headSize); out: (T, headCount·headSize).
    private func attend(q: UnsafePointer<Float>, spans: [Span], layer: Int, scale: Float,
                        out: UnsafeMutablePointer<Float>) throws {
        let c = config
        let qWidth = c.headCount * c.headSize
        // Single queries (decode steps, short prompts, f16 caches): one job per (row, head), split across threads.
        var jobs: [(span: Int, t: Int, head: Int)] = []
        var work = 0
        for (s, span) in spans.enumerated() {
            if span.count >= GGMLMatrix.gemmBatch {
                // A prompt: each head's causal attention as matrix products, the heads split across threads.
                let length = span.start + span.count
                let threads = KernelThreads.useful(for: c.headCount * span.count * length * c.headSize, perThread: 1 << 19)
                let failure = FirstError()
                KernelThreads.forEachChunk(total: c.headCount, granularity: 1, threads: threads) { heads in
                    for head in heads {
                        do {
                            try span.cache.causalAttention(layer: layer, kvHead: head / c.groupSize,
                                                           queries: q + span.row * qWidth + head * c.headSize, queryStride: qWidth,
                                                           start: span.start, count: span.count, scale: scale,
                                                           out: out + span.row * qWidth + head * c.headSize)
                        } catch {
                            failure.record(error)
                        }
                    }
                }
                try failure.rethrow()
                continue
            }
            for t in 0..<span.count {
                for head in 0..<c.headCount { jobs.append((s, t, head)) }
                work += c.headCount * (span.start + t + 1) * c.headSize
            }
        }
        guard !jobs.isEmpty else { return }
        let longest = spans.map { $0.start + $0.count }.max() ?? 0
        let threads = KernelThreads.useful(for: work, perThread: 32_768)
        KernelThreads.forEachChunk(total: jobs.count, granularity: 1, threads: threads) { range in
            var scores = [Float](repeating: 0, count: longest)
            scores.withUnsafeMutableBufferPointer { s in
                for (spanIndex, t, head) in jobs[range] {
                    let span = spans[spanIndex]
                    let row = span.row + t
                    span.cache.attend(layer: layer, kvHead: head / c.groupSize, query: q + row * qWidth + head * c.headSize,
                                      length: span.start + t + 1, scale: scale, scores: s.baseAddress!,
                                      out: out + row * qWidth + head * c.headSize)
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
