import EffKernels
import EffNumerics
import Foundation

/// One measurement of `eff bench llm` (one JSON record of `--format json`).
public struct LanguageModelBenchmarkRecord: Codable, Sendable, Equatable {
    /// The model's display name.
    public var model: String
    public var threads: Int
    /// Sequences decoded together, each with its own KV cache.
    public var batch: Int
    /// Prompt tokens per sequence.
    public var prompt_tokens: Int
    /// Tokens generated per sequence.
    public var gen_tokens: Int
    /// Prompt tokens of all sequences per second: median over the repeats.
    public var prefill_tps: Double
    /// (max − min) / median of the prefill rate.
    public var prefill_spread: Double
    /// Generated tokens of all sequences per second (one step = logits, greedy pick, forward): median.
    public var decode_tps: Double
    public var decode_spread: Double
    /// The process's peak resident memory after the runs.
    public var peak_rss_bytes: Int
    /// Bytes one decode step reads (every weight once, an embedding row and the KV cache at the mean context per
    /// sequence) × steps per second ÷ the read bandwidth `MemoryBandwidth` measured on as many threads.
    public var roof_fraction: Double
    /// Bytes read per decode step (the numerator above, per step).
    public var bytes_per_step: Int
    /// The read bandwidth used for the roof, bytes/s.
    public var read_bandwidth: Double
    /// Instruction-set level of the kernels.
    public var isa: String
    /// Timed repeats behind each median.
    public var repeats: Int
}

/// Prefill and decode speed of a language model: for each thread count and batch size, warm-up, then `repeats`
/// runs of a fixed prompt (a fresh KV cache per sequence each run) and greedy decoding of `genTokens` tokens.
public enum LanguageModelBenchmark {
    public struct Configuration: Sendable {
        public var promptTokens = 128
        public var genTokens = 64
        public var threads = [1]
        public var batches = [1]
        public var repeats = 5
        public var cachePrecision = KVCache.Precision.f32
        public init() {}
    }

    /// Public-domain text (Pride and Prejudice, chapter 1) that the prompt is cut from, repeated as needed.
    static let promptText = """
        It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want \
        of a wife. However little known the feelings or views of such a man may be on his first entering a \
        neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered \
        the rightful property of some one or other of their daughters. "My dear Mr. Bennet," said his lady to him \
        one day, "have you heard that Netherfield Park is let at last?" Mr. Bennet replied that he had not. "But it \
        is," returned she; "for Mrs. Long has just been here, and she told me all about it." Mr. Bennet made no answer.
        """

    /// Runs every (threads, batch) pair; `progress` receives each record as it is made.
    public static func run(_ model: LanguageModel, _ configuration: Configuration,
                           progress: (LanguageModelBenchmarkRecord) -> Void = { _ in }) throws -> [LanguageModelBenchmarkRecord] {
        let c = configuration
        guard c.promptTokens >= 1, c.genTokens >= 1, c.repeats >= 1 else {
            throw LLMError(.invalidArgument, "prompt tokens, generated tokens and repeats must each be at least 1")
        }
        guard c.promptTokens + c.genTokens <= model.config.contextLength else {
            throw LLMError(.invalidArgument, "\(c.promptTokens) prompt + \(c.genTokens) generated tokens exceed the model's context of \(model.config.contextLength)")
        }
        for b in c.batches where b < 1 || b > 256 { throw LLMError(.invalidArgument, "batch \(b) is outside 1…256") }
        for t in c.threads where t < 1 || t > 1024 { throw LLMError(.invalidArgument, "threads \(t) is outside 1…1024") }
        let prompt = try promptTokens(model, count: c.promptTokens)
        let level = try KernelDispatch.current()
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        // Every run first, then the read bandwidth per thread count: its 512 MiB buffer would otherwise be
        // counted in the peak resident memory of the runs after it.
        var measured: [(threads: Int, batch: Int, prefill: [Double], decode: [Double], rss: Int)] = []
        for threads in c.threads {
            KernelThreads.count = threads
            for batch in c.batches {
                _ = try runOnce(model, prompt: Array(prompt.prefix(8)), gen: 4, batch: batch, precision: c.cachePrecision)
                var prefill: [Double] = [], decode: [Double] = []
                for _ in 0..<c.repeats {
                    let (p, d) = try runOnce(model, prompt: prompt, gen: c.genTokens, batch: batch, precision: c.cachePrecision)
                    prefill.append(Double(batch * prompt.count) / p)
                    decode.append(Double(batch * c.genTokens) / d)
                }
                measured.append((threads, batch, prefill, decode, ProcessMemory.peakResidentBytes() ?? 0))
            }
        }
        var bandwidth: [Int: Double] = [:]
        var records: [LanguageModelBenchmarkRecord] = []
        for m in measured {
            if bandwidth[m.threads] == nil { bandwidth[m.threads] = try MemoryBandwidth.measureRead(threads: m.threads) }
            let stepBytes = bytesPerDecodeStep(model, batch: m.batch, context: prompt.count + c.genTokens / 2,
                                               precision: c.cachePrecision)
            let decodeRate = Quantiles.median(m.decode)
            let record = LanguageModelBenchmarkRecord(
                model: model.name, threads: m.threads, batch: m.batch, prompt_tokens: prompt.count, gen_tokens: c.genTokens,
                prefill_tps: Quantiles.median(m.prefill), prefill_spread: Quantiles.spread(m.prefill),
                decode_tps: decodeRate, decode_spread: Quantiles.spread(m.decode), peak_rss_bytes: m.rss,
                roof_fraction: Double(stepBytes) * decodeRate / Double(m.batch) / bandwidth[m.threads]!,
                bytes_per_step: stepBytes, read_bandwidth: bandwidth[m.threads]!, isa: level.rawValue, repeats: c.repeats)
            records.append(record)
            progress(record)
        }
        return records
    }

    /// `count` tokens of the built-in prompt text (repeated as needed), without BOS.
    static func promptTokens(_ model: LanguageModel, count: Int) throws -> [Int32] {
        let piece = try model.tokenizer.encode(promptText + " ", parseSpecial: false, addBOS: false)
        guard !piece.isEmpty else { throw LLMError(.invalidArgument, "the benchmark prompt tokenized to nothing") }
        var ids: [Int32] = []
        while ids.count < count { ids += piece }
        return Array(ids.prefix(count))
    }

    /// Seconds of the prompt's forward pass and of `gen` greedy steps, for `batch` copies of `prompt`.
    static func runOnce(_ model: LanguageModel, prompt: [Int32], gen: Int, batch: Int,
                        precision: KVCache.Precision) throws -> (prefill: Double, decode: Double) {
        let caches = (0..<batch).map { _ in model.decoder.makeCache(limit: prompt.count + gen + 1, precision: precision) }
        let clock = ContinuousClock()
        let started = clock.now
        var hidden = try model.decoder.forward(batch: caches.map { (tokens: prompt, cache: $0) })
        let prefill = (clock.now - started).seconds
        let decodeStart = clock.now
        let vocabulary = model.config.vocabularySize
        for _ in 0..<gen {
            let logits = try model.decoder.logits(hidden)  // (batch, vocabulary)
            let next = (0..<batch).map { s in Int32(Sampler.argmax(logits[(s * vocabulary)..<((s + 1) * vocabulary)])) }
            hidden = try model.decoder.forward(batch: zip(next, caches).map { (tokens: [$0], cache: $1) })
        }
        return (prefill, (clock.now - decodeStart).seconds)
    }

    /// Bytes one decode step reads: each weight matrix once (the batch shares it), one embedding row per
    /// sequence, and each sequence's keys and values at `context` positions.
    public static func bytesPerDecodeStep(_ model: LanguageModel, batch: Int, context: Int, precision: KVCache.Precision) -> Int {
        let w = model.decoder.weights
        var bytes = w.outputHead.byteCount
        for block in w.blocks {
            for m in [block.query, block.key, block.value, block.output, block.gate, block.up, block.down] { bytes += m.byteCount }
        }
        bytes += batch * (w.tokenEmbedding.byteCount / w.tokenEmbedding.rows)
        let c = model.config
        bytes += batch * c.blockCount * context * c.kvWidth * 2 * precision.bytes
        return bytes
    }
}
