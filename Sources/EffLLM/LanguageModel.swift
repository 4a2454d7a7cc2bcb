import EffKernels
import EffNumerics
import Foundation

/// A language model ready to use: the GGUF file, its tokenizer and its decoder together.
///
///     let lm = try LanguageModel(path: ModelLocator.resolve("smollm2"))
///     let result = try lm.generate("The capital of France is", options: .init(maxTokens: 20))
///     print(result.text)
public final class LanguageModel: @unchecked Sendable {
    public let file: GGUFFile
    public let decoder: LlamaDecoder
    public let tokenizer: BPETokenizer
    /// A display name (`general.name`, or the file name).
    public let name: String

    public init(path: String) throws {
        file = try GGUFFile(path: path)
        decoder = try LlamaDecoder(file: file)
        tokenizer = try BPETokenizer(vocabulary: file.tokenizerVocabulary())
        guard tokenizer.vocabularySize == decoder.config.vocabularySize else {
            throw LLMError(.malformed, "\(path): the tokenizer has \(tokenizer.vocabularySize) tokens but the model's vocabulary is \(decoder.config.vocabularySize)")
        }
        requantization = nil
        name = file.metadata["general.name"]?.string ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// How this model was re-quantized from the file's weights (`"int4"`, `"int4, embedding too"`), nil when it
    /// runs the file's weights as they are.
    public let requantization: String?

    /// A variant of a loaded model: the same file, tokenizer and configuration, with other weights.
    init(file: GGUFFile, decoder: LlamaDecoder, tokenizer: BPETokenizer, name: String, requantization: String?) {
        self.requantization = requantization
        self.file = file
        self.decoder = decoder
        self.tokenizer = tokenizer
        self.name = name
    }

    public var config: LlamaConfig { decoder.config }

    /// Token ids of `text` (special tokens written in the text are parsed; BOS as the model asks).
    public func tokenize(_ text: String, parseSpecial: Bool = true) throws -> [Int32] {
        try tokenizer.encode(text, parseSpecial: parseSpecial)
    }

    // MARK: Generation

    /// What to generate and when to stop.
    public struct GenerationOptions: Sendable {
        public var maxTokens: Int = 64
        public var sampling = SamplingOptions()
        /// Generation stops when the text generated so far ends with one of these (the stop string is removed).
        public var stopStrings: [String] = []
        /// Stop at end-of-generation tokens (`<|im_end|>`, EOS, …).
        public var stopAtEndOfGeneration = true
        /// How the KV cache stores keys and values.
        public var cachePrecision: KVCache.Precision = .f32
        public init(maxTokens: Int = 64, sampling: SamplingOptions = SamplingOptions(), stopStrings: [String] = [],
                    stopAtEndOfGeneration: Bool = true, cachePrecision: KVCache.Precision = .f32) {
            self.cachePrecision = cachePrecision
            self.maxTokens = maxTokens
            self.sampling = sampling
            self.stopStrings = stopStrings
            self.stopAtEndOfGeneration = stopAtEndOfGeneration
        }
    }

    /// Why generation ended.
    public enum StopReason: String, Sendable {
        case maxTokens = "max_tokens", endOfGeneration = "end_of_generation", stopString = "stop_string"
        case interrupted, context
    }

    /// A finished generation with its timings.
    public struct Generation: Sendable {
        public let promptTokens: [Int32]
        public let generatedTokens: [Int32]
        public let text: String
        public let stopReason: StopReason
        /// Wall time of the prompt's forward pass and of all decode steps.
        public let prefillSeconds: Double
        public let decodeSeconds: Double
        /// Tokens per second of the decode steps (nil when fewer than one step ran).
        public var decodeTokensPerSecond: Double? {
            generatedTokens.count > 1 && decodeSeconds > 0 ? Double(generatedTokens.count - 1) / decodeSeconds : nil
        }
        public var prefillTokensPerSecond: Double? { prefillSeconds > 0 ? Double(promptTokens.count) / prefillSeconds : nil }
    }

    /// Continues `prompt`. `onText` receives each piece of text as it completes (whole UTF-8 characters) and returns
    /// false to stop; `shouldStop` is asked before each step (Ctrl-C).
    public func generate(_ prompt: String, options: GenerationOptions = GenerationOptions(),
                         onText: (String) -> Bool = { _ in true }, shouldStop: () -> Bool = { false }) throws -> Generation {
        let ids = try tokenize(prompt)
        return try generate(tokens: ids, options: options, onText: onText, shouldStop: shouldStop)
    }

    /// Continues the token ids `promptTokens`.
    public func generate(tokens promptTokens: [Int32], options: GenerationOptions = GenerationOptions(),
                         onText: (String) -> Bool = { _ in true }, shouldStop: () -> Bool = { false }) throws -> Generation {
        guard !promptTokens.isEmpty else {
            throw LLMError(.invalidArgument, "the prompt is empty: give at least one token of text to continue")
        }
        guard promptTokens.count < config.contextLength else {
            throw LLMError(.invalidArgument, "the prompt is \(promptTokens.count) tokens; the model's context holds \(config.contextLength), and one more is needed to generate")
        }
        guard options.maxTokens >= 0 else { throw LLMError(.invalidArgument, "tokens must be ≥ 0, got \(options.maxTokens)") }
        try options.sampling.validate()
        let clock = ContinuousClock()
        let limit = min(config.contextLength, promptTokens.count + options.maxTokens)
        let cache = decoder.makeCache(limit: limit, precision: options.cachePrecision)
        var sampler = Sampler(options.sampling)
        var history = promptTokens
        var generated: [Int32] = []
        var stream = StreamingDecoder(tokenizer: tokenizer)
        var text = ""
        var reason = StopReason.maxTokens
        let started = clock.now
        var hidden = try decoder.forward(promptTokens, cache: cache)
        let prefill = clock.now - started
        let decodeStart = clock.now
        generation: while generated.count < options.maxTokens {
            if shouldStop() { reason = .interrupted; break }
            let token = sampler.next(try decoder.logits(hidden), history: history)
            if options.stopAtEndOfGeneration && tokenizer.endOfGeneration.contains(token) { reason = .endOfGeneration; break }
            generated.append(token)
            history.append(token)
            let piece = stream.append(token)
            if !piece.isEmpty {
                text += piece
                for stop in options.stopStrings where !stop.isEmpty && text.hasSuffix(stop) {
                    text.removeLast(stop.count)
                    reason = .stopString
                    break generation
                }
                if !onText(piece) { reason = .interrupted; break }
            }
            if generated.count == options.maxTokens { break }
            if cache.count >= cache.limit { reason = .context; break }
            hidden = try decoder.forward([token], cache: cache)
        }
        let rest = stream.finish()
        if !rest.isEmpty && reason != .stopString { text += rest; _ = onText(rest) }
        let decode = clock.now - decodeStart
        return Generation(promptTokens: promptTokens, generatedTokens: generated, text: text, stopReason: reason,
                          prefillSeconds: prefill.seconds, decodeSeconds: decode.seconds)
    }

    /// The chat prompt for one user message (the model's template; its default system prompt unless `system`).
    public func chatPrompt(_ message: String, system: String? = nil) throws -> String {
        var messages: [(role: String, content: String)] = []
        if let system { messages.append((role: "system", content: system)) }
        messages.append((role: "user", content: message))
        guard tokenizer.chatTemplate != nil else {
            throw tokenizer.chatTemplateError ?? LLMError(.unsupported, "\(name) has no chat template (it is not an Instruct model): use generate")
        }
        return try tokenizer.chatPrompt(messages)
    }

    // MARK: Scoring

    /// Log-probabilities of each token of `continuation` after `context`, tokenized separately (natural log).
    public func logProbabilities(context: String, continuation: String) throws -> (tokens: [Int32], logProbabilities: [Double]) {
        let contextIDs = try tokenize(context)
        let continuationIDs = try tokenize(continuation, parseSpecial: false)
        return (continuationIDs, try decoder.logProbabilities(context: contextIDs, continuation: continuationIDs))
    }

    /// Perplexity of `text` (see `LlamaDecoder.perplexity` for the windows).
    public func perplexity(_ text: String, window: Int = 512, stride: Int? = nil, maxWindows: Int? = nil,
                           shouldStop: () -> Bool = { false }) throws -> LlamaDecoder.PerplexityResult {
        let ids = try tokenizer.encode(text, parseSpecial: false)
        return try decoder.perplexity(tokens: ids, window: window, stride: stride, maxWindows: maxWindows, shouldStop: shouldStop)
    }

    // MARK: Facts

    /// Parameters and bytes per tensor type (all tensors of the file).
    public var bytesByType: [(type: GGMLType, parameters: Int, bytes: Int)] {
        var totals: [GGMLType: (Int, Int)] = [:]
        for tensor in file.tensors {
            let t = totals[tensor.type] ?? (0, 0)
            totals[tensor.type] = (t.0 + tensor.elementCount, t.1 + tensor.byteCount)
        }
        return totals.map { (type: $0.key, parameters: $0.value.0, bytes: $0.value.1) }.sorted { $0.bytes > $1.bytes }
    }

    /// Parameters in the file (tied embeddings counted once).
    public var parameterCount: Int { file.tensors.reduce(0) { $0 + $1.elementCount } }

    /// Multiply-adds (int8 and f32) of one generated token attending over `context` positions, the weight bytes it
    /// reads and the KV-cache bytes it reads (f32 cache): a summary of `TokenCost.decode`.
    public func workPerToken(context: Int) throws -> (multiplyAdds: Int, weightBytes: Int, kvBytes: Int) {
        let cost = try TokenCost.decode(self, context: context)
        let total = cost.total
        return (Int(total[.int8MultiplyAdd] + total[.f32MultiplyAdd]), Int(total.weightBytesRead), Int(cost[.kvAttention].kvBytesRead))
    }
}
