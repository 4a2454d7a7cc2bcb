import EffKernels

/// The exact work of running tokens through the decoder, by part of the model: what `LlamaDecoder.forward` and
/// `logits` execute, counted from shapes and formats (never sampled), in the kernels' `Work` categories so the energy
/// estimator prices an LLM exactly as it prices an MLP.
///
///     let cost = try TokenCost.decode(lm, context: 128)          // one generated token attending over 128 positions
///     cost.total[.int8MultiplyAdd]                                // int8 multiply-adds of that token
///     let prompt = try TokenCost.prefill(lm, promptTokens: 128)  // the whole prompt (divide by `tokens` for per token)
///
/// What is counted, per forward of T tokens at positions s…s+T−1 (width W, feed-forward F, H query heads and Hk KV
/// heads of size d, R = rope pairs, L = positions attended):
/// - embedding: T embedding rows dequantized (`Kernels.dequantizeWork`).
/// - attention: the q, k, v, o matrices on T vectors (`Kernels.work(_:rows:columns:batch:)`: int8 dot products below
///   `GGMLMatrix.gemmBatch` vectors, dequantize + f32 GEMM from it on) and RoPE: per token, for q and for k, 2R+1
///   transcendentals (cos, sin, pow) and 2R multiplies, and per head and pair 2 multiplies + 2 multiply-adds.
/// - context: storing k, v in the KV cache and attention over it. Decode and short prompts (T < `GGMLMatrix.gemmBatch`), per token and
///   query head over L = s+t+1 positions: L·d multiply-adds (q·k), L multiplies (scale), L compares, L
///   transcendentals and 2L adds (softmax), 1 divide, L multiplies (normalize), L·d multiply-adds (p·v); an f16 cache
///   adds 2·L·d conversions and 2·Hk·d per stored position. Prompts (T ≥ `GGMLMatrix.gemmBatch` = 32), per head: T·d multiplies
///   (scale q), two GEMMs per tile of 64 queries over the positions the tile's last query sees
///   (`SequenceKernels.causalAttentionMultiplyAdds`; masked entries inside a tile included, as the kernel computes them) and the softmax over the visible L = s+t+1 entries of each row; an f16 cache adds
///   2·(s+T)·d conversions (keys and values widened as they are copied for the GEMMs).
///   KV bytes: each layer's cached keys and values are read once per token (decode) or once per prompt (the query
///   heads of a group share them: unique bytes are counted), k and v written once, at the cache's precision.
/// - ffn: gate, up, down matrices and silu(g)·u (1 transcendental, 1 add, 1 divide, 1 multiply per value).
/// - norms: two RMS norms per block (W multiply-adds, 3 divides and 1 add for 1/√(Σ/W + ε), 2W multiplies per row;
///   the gain vector is read as weights) and two residual adds (W adds per row).
/// - head: the final RMS norm and the output matrix, on the last position only (generation needs one row of logits).
/// Activations are f32: each step reads its inputs and writes its outputs once (scratch re-reads not counted).
public struct TokenCost: Sendable, Equatable {
    /// The parts of a forward pass, in execution order (the table order).
    public enum Part: String, CaseIterable, Sendable {
        case embedding, attention
        /// Attention over the cached context (q·k, softmax, p·v) and the KV-cache reads and writes.
        case kvAttention = "kv_attention"
        case ffn, norms, head
    }

    /// The work of one part, summed over blocks.
    public struct PartCost: Sendable, Equatable {
        public var part: Part
        /// Operations and bytes; KV-cache traffic is in `activationBytesRead/Written` (and also in `kvBytes…`).
        public var work: Work
        /// Bytes of cached keys and values read / written (a subset of the work's activation bytes). // bytes
        public var kvBytesRead: UInt64
        public var kvBytesWritten: UInt64
    }

    /// Tokens run (1 for a decode step, P for a prompt).
    public var tokens: Int
    /// Positions in the cache after the step (the context the last token attended over).
    public var context: Int
    /// Weight format of the matrices: the model's own, or the hypothetical one substituted.
    public var formatName: String
    public var cachePrecision: KVCache.Precision
    public var parts: [PartCost]
    /// Bytes of weights the model keeps in memory (tied embedding counted once; norms included). // bytes
    public var residentWeightBytes: UInt64
    /// Bytes of the KV cache after the step (all layers). // bytes
    public var cacheBytes: UInt64
    /// Bytes of the decoder's activation buffers for this step, x, h, attention output (T, W); q, attended (T, H·d);
    /// k, v (T, Hk·d); gate, up (T, F): the activations' working set. // bytes
    public var activationBufferBytes: UInt64

    /// All parts together.
    public var total: Work { parts.reduce(Work()) { $0 + $1.work } }

    /// One part's cost.
    public subscript(part: Part) -> PartCost { parts.first { $0.part == part }! }

    /// One decode step: a token at position `context` − 1 attending over `context` positions, with its logits; with
    /// `batch` > 1, that many sequences (each with its own cache at the same context) decoded together, as
    /// `LlamaDecoder.forward(batch:)` runs them: every matrix once on `batch` vectors, attention per sequence.
    /// `tokens` is then `batch`, so per-token figures share the weight reads among the sequences.
    public static func decode(_ model: LanguageModel, context: Int, cachePrecision: KVCache.Precision = .f32,
                              format: String? = nil, batch: Int = 1) throws -> TokenCost {
        guard context >= 1, context <= model.config.contextLength else {
            throw LLMError(.invalidArgument, "context must be within 1...\(model.config.contextLength) (the model's context length), got \(context)")
        }
        guard batch >= 1, batch <= 4096 else { throw LLMError(.invalidArgument, "batch must be within 1...4096, got \(batch)") }
        return try forward(model, start: context - 1, count: 1, cachePrecision: cachePrecision, format: format, sequences: batch)
    }

    /// A prompt of `promptTokens` tokens run in one forward pass from an empty cache, with the last row's logits.
    public static func prefill(_ model: LanguageModel, promptTokens: Int, cachePrecision: KVCache.Precision = .f32,
                               format: String? = nil) throws -> TokenCost {
        guard promptTokens >= 1, promptTokens <= model.config.contextLength else {
            throw LLMError(.invalidArgument, "prompt_tokens must be within 1...\(model.config.contextLength) (the model's context length), got \(promptTokens)")
        }
        return try forward(model, start: 0, count: promptTokens, cachePrecision: cachePrecision, format: format)
    }

    /// `count` tokens at positions start…start+count−1 (what `LlamaDecoder.forward` then `logits` of one row run).
    /// `format` substitutes a weight format for every attention, FFN, embedding and head matrix (bytes and kernels of
    /// that format, same shapes): the cost of the same model re-quantized.
    /// `sequences` such steps run together (batched decoding): matrices on sequences·count vectors, the rest per
    /// sequence.
    public static func forward(_ model: LanguageModel, start: Int, count: Int, cachePrecision: KVCache.Precision,
                               format: String? = nil, sequences: Int = 1) throws -> TokenCost {
        let c = model.config, w = model.decoder.weights
        let n = UInt64(sequences)
        let t = UInt64(count), width = UInt64(c.width), ff = UInt64(c.feedForward)
        let qWidth = UInt64(c.headCount * c.headSize), kvWidth = UInt64(c.kvWidth), d = UInt64(c.headSize)
        let heads = UInt64(c.headCount), pairs = UInt64(c.ropeSize / 2), blocks = UInt64(c.blockCount)
        let length = UInt64(start + count)  // positions in the cache after the step

        func matrix(_ m: MatrixShape, batch: Int) throws -> Work {
            try MatrixCost.work(format: format ?? m.formatName, rows: m.rows, columns: m.columns,
                                byteCount: format == nil ? m.byteCount : nil, batch: batch,
                                storedWeights: format == nil ? m.storedWeights : nil)
        }
        // The parts of one block (all blocks have the same shapes; formats may differ per block).
        var attention = Work(), context = Work(), ffnWork = Work(), norms = Work()
        var kvRead: UInt64 = 0, kvWritten: UInt64 = 0
        for block in model.blockShapes {
            for m in block.attention { attention += try matrix(m, batch: count * sequences) }
            for m in block.ffn { ffnWork += try matrix(m, batch: count * sequences) }
        }
        // RoPE on q and k of every token, every block.
        var rope = Work()
        rope.add(.f32Transcendental, 2 * (2 * pairs + 1))
        rope.add(.f32Multiply, 2 * 2 * pairs + (heads + UInt64(c.kvHeadCount)) * pairs * 2)
        rope.add(.f32MultiplyAdd, (heads + UInt64(c.kvHeadCount)) * pairs * 2)
        rope.activationBytesRead = (qWidth + kvWidth) * 4
        rope.activationBytesWritten = (qWidth + kvWidth) * 4
        attention += rope.scaled(by: t * blocks * n)

        // KV store and attention over the cache, per block.
        let precisionBytes = UInt64(cachePrecision == .f32 ? 4 : 2)
        var store = Work()
        if cachePrecision == .f16 { store.add(.convert, t * 2 * kvWidth) }
        store.activationBytesRead = t * 2 * kvWidth * 4
        store.activationBytesWritten = t * 2 * kvWidth * precisionBytes
        var attend = Work()
        if count >= GGMLMatrix.gemmBatch {
            // An f16 cache is widened to f32 as each head's keys and values are copied for the GEMMs.
            if cachePrecision == .f16 { attend.add(.convert, heads * 2 * length * d) }
            attend.add(.f32Multiply, heads * t * d)
            attend.add(.f32MultiplyAdd, heads * UInt64(SequenceKernels.causalAttentionMultiplyAdds(start: start, count: count, headSize: c.headSize)))
            // Softmax over the visible entries: Σ_t (s+t+1) = T·s + T(T+1)/2 per head.
            let visible = t * UInt64(start) + t * (t + 1) / 2
            attend.add(.f32Compare, heads * visible)
            attend.add(.f32Transcendental, heads * visible)
            attend.add(.f32Add, heads * 2 * visible)
            attend.add(.f32Divide, heads * t)
            attend.add(.f32Multiply, heads * visible)
            attend.activationBytesRead = length * 2 * kvWidth * precisionBytes
        } else {
            let visible = t * UInt64(start) + t * (t + 1) / 2  // Σ over the tokens of the positions each attends
            attend.add(.f32MultiplyAdd, heads * 2 * visible * d)
            attend.add(.f32Multiply, heads * 2 * visible)
            attend.add(.f32Compare, heads * visible)
            attend.add(.f32Transcendental, heads * visible)
            attend.add(.f32Add, heads * 2 * visible)
            attend.add(.f32Divide, heads * t)
            if cachePrecision == .f16 { attend.add(.convert, heads * 2 * visible * d) }
            attend.activationBytesRead = visible * 2 * kvWidth * precisionBytes
        }
        kvRead = attend.activationBytesRead * blocks * n
        kvWritten = store.activationBytesWritten * blocks * n
        attend.activationBytesRead += t * qWidth * 4
        attend.activationBytesWritten = t * qWidth * 4
        context = (store + attend).scaled(by: blocks * n)

        // silu(gate)·up.
        var silu = Work()
        for operation in [EffKernels.Operation.f32Transcendental, .f32Add, .f32Divide, .f32Multiply] { silu.add(operation, t * ff) }
        silu.activationBytesRead = 2 * t * ff * 4
        silu.activationBytesWritten = t * ff * 4
        ffnWork += silu.scaled(by: blocks * n)

        // Two RMS norms and two residual adds per block.
        let norm = rmsNormWork(rows: t, width: width)
        var residual = Work()
        residual.add(.f32Add, t * width)
        residual.activationBytesRead = 2 * t * width * 4
        residual.activationBytesWritten = t * width * 4
        norms = (norm + norm + residual + residual).scaled(by: blocks * n)

        // Embedding rows, and the head on the last position.
        var embedding: Work
        let (embeddingShape, headShape) = model.embeddingAndHeadShapes
        if let format {
            embedding = try MatrixCost.dequantizeWork(format: format, rows: 1, columns: c.width).scaled(by: t * n)
        } else {
            embedding = try MatrixCost.dequantizeWork(format: embeddingShape.formatName, rows: 1, columns: c.width,
                                                      rowBytes: embeddingShape.byteCount / embeddingShape.rows).scaled(by: t * n)
        }
        let head = rmsNormWork(rows: n, width: width) + (try matrix(headShape, batch: sequences))

        var resident = UInt64(4 * c.width * (2 * c.blockCount + 1))  // the f32 norm gains
        for m in model.blockShapes.flatMap({ $0.attention + $0.ffn }) {
            resident += try MatrixCost.bytes(format: format ?? m.formatName, rows: m.rows, columns: m.columns,
                                             byteCount: format == nil ? m.byteCount : nil)
        }
        for m in w.tiedEmbedding ? [embeddingShape] : [embeddingShape, headShape] {
            resident += try MatrixCost.bytes(format: format ?? m.formatName, rows: m.rows, columns: m.columns,
                                             byteCount: format == nil ? m.byteCount : nil)
        }
        return TokenCost(
            tokens: count * sequences, context: Int(length), formatName: format ?? model.weightFormatName, cachePrecision: cachePrecision,
            parts: [PartCost(part: .embedding, work: embedding, kvBytesRead: 0, kvBytesWritten: 0),
                    PartCost(part: .attention, work: attention, kvBytesRead: 0, kvBytesWritten: 0),
                    PartCost(part: .kvAttention, work: context, kvBytesRead: kvRead, kvBytesWritten: kvWritten),
                    PartCost(part: .ffn, work: ffnWork, kvBytesRead: 0, kvBytesWritten: 0),
                    PartCost(part: .norms, work: norms, kvBytesRead: 0, kvBytesWritten: 0),
                    PartCost(part: .head, work: head, kvBytesRead: 0, kvBytesWritten: 0)],
            residentWeightBytes: resident, cacheBytes: n * length * UInt64(2 * c.blockCount * c.kvWidth) * precisionBytes,
            activationBufferBytes: n * t * (3 * width + 2 * qWidth + 2 * kvWidth + 2 * ff) * 4)
    }

    /// `rows` RMS norms of `width`: per row W multiply-adds (squares), 3 divides (÷W, √, 1/) and 1 add (+ε),
    /// 2W multiplies (x·inv·gain); reads x and the gain (weights), writes the result.
    static func rmsNormWork(rows: UInt64, width: UInt64) -> Work {
        var work = Work()
        work.add(.f32MultiplyAdd, rows * width)
        work.add(.f32Divide, rows * 3)
        work.add(.f32Add, rows)
        work.add(.f32Multiply, rows * 2 * width)
        work.weightBytesRead = width * 4
        work.activationBytesRead = rows * width * 4
        work.activationBytesWritten = rows * width * 4
        return work
    }
}

/// What the cost model reads of a matrix: its shape, bytes and format name (nothing of its storage, so any matrix
/// type with these four properties can be costed).
public struct MatrixShape: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var byteCount: Int
    public var formatName: String
    /// Weights the kernel multiplies: the nonzeros of a CSR matrix (nil: rows × columns, or as the format says).
    public var storedWeights: Int? = nil
}

extension MatrixShape {
    /// The shape of one of the decoder's matrices, with its stored weights when it is sparse.
    init(_ matrix: DecoderMatrix) {
        var stored: Int?
        if case .eff(let m) = matrix, m.format.isSparse { stored = m.storedWeightCount }
        self.init(rows: matrix.rows, columns: matrix.columns, byteCount: matrix.byteCount, formatName: matrix.formatName,
                  storedWeights: stored)
    }
}

/// Work and bytes of a matrix by format name: a ggml type (`Q4_1`, `Q8_0`, `F16`, …) or one of eff's formats
/// (`int4`, `int8`, `ternary`, …, see `WeightFormat`).
public enum MatrixCost {
    enum Kind {
        case ggml(GGMLType)
        case eff(WeightFormat)
    }

    /// The format names the cost model prices (ggml's runnable types, then eff's formats).
    public static var formatNames: [String] {
        GGMLType.runnableNames.map { $0.lowercased() } + WeightFormat.allCases.map(\.rawValue)
    }

    static func kind(_ name: String) throws -> Kind {
        if let type = GGMLType.allCases.first(where: { $0.name == name && $0.traits.isRunnable }) { return .ggml(type) }
        if let format = WeightFormat(rawValue: name) { return .eff(format) }
        if let type = GGMLType.allCases.first(where: { $0.name == name.uppercased() && $0.traits.isRunnable }) { return .ggml(type) }
        throw LLMError(.unsupported, "no cost model for weight format '\(name)' (known: \(formatNames.joined(separator: ", ")))")
    }

    /// Bytes of a (rows, columns) matrix in `format` (`byteCount` when the matrix's own bytes are known).
    static func bytes(format: String, rows: Int, columns: Int, byteCount: Int?) throws -> UInt64 {
        if let byteCount { return UInt64(byteCount) }
        switch try kind(format) {
        case .ggml(let type):
            guard let rowBytes = type.rowBytes(columns: columns) else {
                throw LLMError(.unsupported, "\(type.name) needs columns a multiple of \(type.traits.blockSize), got \(columns)")
            }
            return UInt64(rowBytes * rows)
        case .eff(let weightFormat):
            return UInt64(weightFormat.storageBytes(rows: rows, columns: columns, nonzeros: rows * columns))
        }
    }

    /// The work of y = x·Wᵀ on `batch` vectors (ggml types: `Kernels.work(_:rows:columns:batch:)`; eff's formats:
    /// `Kernels.work(format:…)`, their row kernels at every batch).
    /// `storedWeights`: the nonzeros of a CSR matrix (nil: every weight is multiplied).
    public static func work(format: String, rows: Int, columns: Int, byteCount: Int?, batch: Int,
                            storedWeights: Int? = nil) throws -> Work {
        let bytes = try bytes(format: format, rows: rows, columns: columns, byteCount: byteCount)
        switch try kind(format) {
        case .ggml(let type):
            var work = Kernels.work(type, rows: rows, columns: columns, batch: batch)
            work.weightBytesRead = batch > 0 ? bytes : 0
            return work
        case .eff(let weightFormat):
            return Kernels.work(format: weightFormat, rows: rows, columns: columns, batch: batch, hasBias: false,
                                storedWeights: storedWeights, weightBytes: Int(bytes))
        }
    }

    /// The work of dequantizing rows to f32 (an embedding lookup). eff's formats are priced as ggml's type of the same
    /// arithmetic (int8 blocks as Q8_0, int4 as Q4_0, 16-bit as F16, others as F32: a lower bound).
    static func dequantizeWork(format: String, rows: Int, columns: Int, rowBytes: Int? = nil) throws -> Work {
        let type: GGMLType
        switch try kind(format) {
        case .ggml(let t): type = t
        case .eff(let f):
            switch f {
            case .int8PerRow, .int8Block32: type = .q8_0
            case .int4Block32: type = .q4_0
            case .f16, .bf16: type = .f16
            default: type = .f32
            }
        }
        var work = Kernels.dequantizeWork(type, rows: rows, columns: columns)
        work.weightBytesRead = UInt64(rows) * (try rowBytes.map(UInt64.init)
            ?? bytes(format: format, rows: 1, columns: columns, byteCount: nil))
        return work
    }
}

extension LanguageModel {
    /// The matrices of each block as shapes: attention (q, k, v, o) and FFN (gate, up, down).
    var blockShapes: [(attention: [MatrixShape], ffn: [MatrixShape])] {
        decoder.weights.blocks.map { b in
            ([b.query, b.key, b.value, b.output].map(MatrixShape.init), [b.gate, b.up, b.down].map(MatrixShape.init))
        }
    }

    /// The token embedding and the output head as shapes (the same matrix when tied).
    var embeddingAndHeadShapes: (embedding: MatrixShape, head: MatrixShape) {
        let w = decoder.weights
        let shapes = [w.tokenEmbedding, w.outputHead].map(MatrixShape.init)
        return (shapes[0], shapes[1])
    }

    /// The format of the attention and FFN matrices (`Q4_1` for SmolLM2); mixed formats joined by "/", most bytes first.
    public var weightFormatName: String {
        var bytes: [String: Int] = [:]
        for m in blockShapes.flatMap({ $0.attention + $0.ffn }) { bytes[m.formatName, default: 0] += m.byteCount }
        return bytes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key).joined(separator: "/")
    }
}
