import EffNumerics
import Foundation

/// How a benchmark is run: which examples, the few-shot prompt, generation limits.
public struct BenchmarkOptions: Sendable {
    /// Score at most this many examples (the first ones in file order, after the few-shot examples are taken out).
    public var limit: Int?
    /// Few-shot examples in the prompt (generation tasks), drawn from the data with `seed` and not scored.
    public var shots: Int
    /// Seeds the few-shot draw and the shuffle of each question's choices.
    public var seed: UInt64
    /// Tokens generated at most per answer (lm-eval's GSM8K: 256).
    public var maxTokens: Int
    /// Wrap the prompt in the model's chat template (the shots as earlier user/assistant turns).
    public var chat: Bool

    public init(limit: Int? = nil, shots: Int = 5, seed: UInt64 = 1234, maxTokens: Int = 256, chat: Bool = false) {
        self.limit = limit
        self.shots = shots
        self.seed = seed
        self.maxTokens = maxTokens
        self.chat = chat
    }

    /// lm-eval's stop sequences for GSM8K (generation also stops at the model's end-of-generation tokens).
    public static let stopStrings = ["Question:", "</s>", "<|im_end|>"]
}

/// One scored example.
public struct BenchmarkOutcome: Sendable {
    /// Index of the example in the task, and its line in the file.
    public let index: Int
    public let line: Int
    public let correct: Bool
    /// Generation: the number extracted from the answer (nil when it held none). Multiple choice: the letter chosen
    /// by summed log-likelihood.
    public let prediction: String?
    /// Generation: the reference's final answer. Multiple choice: the letter of the right choice after the shuffle.
    public let target: String
    /// Generation: the text generated.
    public let generated: String
    /// The prompt as given to the model (generation: with its few-shot examples; multiple choice: the context).
    public let prompt: String
    /// Multiple choice: the choices in the shuffled order shown.
    public let choices: [String]
    /// Multiple choice: log-likelihood of each choice (natural log, summed over its tokens), in the shuffled order
    /// shown in the prompt; its length in characters (lm-eval's acc_norm divides by it) and in tokens.
    public let choiceLogLikelihoods: [Double]
    public let choiceCharacters: [Int]
    public let choiceTokens: [Int]
    /// Multiple choice: right by length-normalised log-likelihood.
    public let correctNormalised: Bool
    /// Tokens of the prompt (context), and every token run through the model for this example.
    public let promptTokens: Int
    public let processedTokens: Int
    public let generatedTokens: Int
    /// Sum of log p of the reference answer's tokens, and how many (multiple choice: the right choice).
    public let referenceLogLikelihood: Double?
    public let referenceTokens: Int
    /// The forward passes run, as (first position, tokens) — what `TokenCost.forward` prices.
    public let forwardPasses: [ForwardPass]
    public let seconds: Double  // wall time of this example
}

/// A forward pass of `count` tokens at positions start…start+count−1 of a cache.
public struct ForwardPass: Sendable, Hashable {
    public let start: Int
    public let count: Int
}

/// The outcomes of a benchmark run, with what is needed to repeat it.
public struct BenchmarkRun: Sendable {
    public let task: String
    public let kind: BenchmarkTask.Kind
    public let options: BenchmarkOptions
    /// Examples used as few-shot examples (indices into the task), excluded from scoring.
    public let shotIndices: [Int]
    /// Examples that were to be scored.
    public let planned: Int
    public let outcomes: [BenchmarkOutcome]
    /// True when it was stopped (Ctrl-C) before every planned example finished.
    public let partial: Bool
    public let seconds: Double

    public var correctCount: Int { outcomes.filter(\.correct).count }
    public var accuracy: Double { outcomes.isEmpty ? 0 : Double(correctCount) / Double(outcomes.count) }
    public var normalisedAccuracy: Double? {
        kind == .multipleChoice && !outcomes.isEmpty ? Double(outcomes.filter(\.correctNormalised).count) / Double(outcomes.count) : nil
    }
    /// Accuracy of guessing: the mean of 1 / choices (multiple choice); nil for generation.
    public var chance: Double? {
        kind == .multipleChoice && !outcomes.isEmpty
            ? outcomes.reduce(0) { $0 + 1 / Double(max(1, $1.choiceLogLikelihoods.count)) } / Double(outcomes.count) : nil
    }
    /// Perplexity of the reference answers: exp(−Σ log p / Σ tokens) over the examples scored (nil when none were).
    public var referencePerplexity: Double? {
        let scored = outcomes.filter { $0.referenceLogLikelihood != nil && $0.referenceTokens > 0 }
        let tokens = scored.reduce(0) { $0 + $1.referenceTokens }
        return tokens == 0 ? nil : Foundation.exp(-scored.reduce(0) { $0 + $1.referenceLogLikelihood! } / Double(tokens))
    }
    public var processedTokens: Int { outcomes.reduce(0) { $0 + $1.processedTokens } }
}

extension LanguageModel {
    /// Runs `task`: generation tasks by greedy k-shot generation and exact match of the final number, multiple-choice
    /// tasks by the log-likelihood of each (shuffled) choice. `progress(done, planned, correct)` is called before the first
    /// and after each example;
    /// when `shouldStop` turns true the run ends with the examples finished so far, marked partial.
    public func evaluate(_ task: BenchmarkTask, options: BenchmarkOptions = BenchmarkOptions(),
                         scoreReferences: Bool = false, progress: (Int, Int, Int) -> Void = { _, _, _ in },
                         shouldStop: () -> Bool = { false }) throws -> BenchmarkRun {
        guard options.shots >= 0 else { throw LLMError(.invalidArgument, "shots must be ≥ 0, got \(options.shots)") }
        if let limit = options.limit, limit < 1 { throw LLMError(.invalidArgument, "limit must be ≥ 1, got \(limit)") }
        let shots = task.kind == .generation ? options.shots : 0
        guard shots < task.examples.count else {
            throw LLMError(.invalidArgument, "\(shots) few-shot examples leave none of the task's \(task.examples.count) to score")
        }
        var generator = SeededGenerator(seed: options.seed)
        let shotIndices = Array(Array(task.examples.indices).shuffled(using: &generator).prefix(shots))
        let excluded = Set(shotIndices)
        var scored = task.examples.indices.filter { !excluded.contains($0) }
        if let limit = options.limit { scored = Array(scored.prefix(limit)) }
        let clock = ContinuousClock()
        let started = clock.now
        var outcomes: [BenchmarkOutcome] = []
        var partial = false
        var correct = 0
        progress(0, scored.count, 0)
        for index in scored {
            if shouldStop() { partial = true; break }
            let outcome: BenchmarkOutcome?
            switch task.kind {
            case .generation:
                outcome = try generateAnswer(task, index: index, shots: shotIndices, options: options,
                                             scoreReference: scoreReferences, shouldStop: shouldStop)
            case .multipleChoice:
                outcome = try chooseAnswer(task.examples[index], index: index, seed: options.seed, chat: options.chat)
            }
            guard let outcome else { partial = true; break }
            outcomes.append(outcome)
            correct += outcome.correct ? 1 : 0
            progress(outcomes.count, scored.count, correct)
        }
        return BenchmarkRun(task: task.name, kind: task.kind, options: options, shotIndices: shotIndices, planned: scored.count,
                            outcomes: outcomes, partial: partial, seconds: (clock.now - started).seconds)
    }

    /// lm-eval's GSM8K prompt: "Question: …\nAnswer: …\n\n" per shot, then "Question: …\nAnswer:"; as chat turns with
    /// `chat`.
    func generationPrompt(_ task: BenchmarkTask, index: Int, shots: [Int], chat: Bool) throws -> String {
        let question = task.examples[index].question
        if chat {
            var messages: [(role: String, content: String)] = []
            for shot in shots {
                messages.append((role: "user", content: "Question: " + task.examples[shot].question))
                messages.append((role: "assistant", content: "Answer: " + task.examples[shot].answer))
            }
            messages.append((role: "user", content: "Question: " + question))
            return try tokenizer.chatPrompt(messages) + "Answer:"
        }
        let examples = shots.map { "Question: \(task.examples[$0].question)\nAnswer: \(task.examples[$0].answer)\n\n" }
        return examples.joined() + "Question: \(question)\nAnswer:"
    }

    /// One generation example; nil when it was interrupted before it finished.
    func generateAnswer(_ task: BenchmarkTask, index: Int, shots: [Int], options: BenchmarkOptions, scoreReference: Bool,
                        shouldStop: () -> Bool) throws -> BenchmarkOutcome? {
        let clock = ContinuousClock()
        let started = clock.now
        let example = task.examples[index]
        let promptText = try generationPrompt(task, index: index, shots: shots, chat: options.chat)
        let prompt = try tokenize(promptText)
        let room = config.contextLength - prompt.count - 1
        guard room >= 1 else {
            throw LLMError(.invalidArgument, "\(task.path):\(example.line): the \(shots.count)-shot prompt is \(prompt.count) tokens, past the model's context of \(config.contextLength): use fewer shots")
        }
        let generation = try generate(tokens: prompt, options: GenerationOptions(maxTokens: min(options.maxTokens, room),
                                                                               stopStrings: BenchmarkOptions.stopStrings),
                                      shouldStop: shouldStop)
        if generation.stopReason == .interrupted { return nil }
        let n = generation.generatedTokens.count
        let decodeSteps = max(0, n - 1) + (generation.stopReason == .endOfGeneration ? 1 : 0)
        var passes = [ForwardPass(start: 0, count: prompt.count)]
        passes += (0..<decodeSteps).map { ForwardPass(start: prompt.count + $0, count: 1) }
        var referenceLL: Double?
        var referenceTokens = 0
        if scoreReference {
            let answer = try tokenizer.encode(" " + example.answer, parseSpecial: false)
            let fits = Array(answer.prefix(config.contextLength - prompt.count))
            referenceLL = try decoder.logProbabilities(context: prompt, continuation: fits).reduce(0, +)
            referenceTokens = fits.count
            passes.append(ForwardPass(start: 0, count: prompt.count + fits.count))
        }
        let prediction = AnswerExtraction.finalAnswer(generation.text)
        let target = example.target
        return BenchmarkOutcome(index: index, line: example.line, correct: AnswerExtraction.matches(prediction, target),
                                prediction: prediction, target: target, generated: generation.text, prompt: promptText,
                                choices: [], choiceLogLikelihoods: [],
                                choiceCharacters: [], choiceTokens: [], correctNormalised: false, promptTokens: prompt.count,
                                processedTokens: passes.reduce(0) { $0 + $1.count }, generatedTokens: n,
                                referenceLogLikelihood: referenceLL, referenceTokens: referenceTokens, forwardPasses: passes,
                                seconds: (clock.now - started).seconds)
    }

    /// The choices of one example in the order shown: a shuffle seeded by the run's seed and the example's index, so
    /// every model sees the same order. Returns the shuffled choices and where the right one (stored first) went.
    static func shuffledChoices(_ example: BenchmarkTask.Example, index: Int, seed: UInt64) -> (choices: [String], correct: Int) {
        var generator = SeededGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let order = Array(example.choices.indices).shuffled(using: &generator)
        return (order.map { example.choices[$0] }, order.firstIndex(of: 0)!)
    }

    /// GPQA's zero-shot prompt (Rein et al. 2023, as lm-eval's gpqa_*_zeroshot): the question, then the lettered choices.
    public static func multipleChoicePrompt(_ question: String, choices: [String]) -> String {
        let lines = choices.enumerated().map { "(\(letter($0.offset))) \($0.element)" }
        return "What is the correct answer to this question: \(question)\n\nChoices:\n\(lines.joined(separator: "\n"))\n\nAnswer:"
    }

    static func letter(_ index: Int) -> String { String(Character(UnicodeScalar(65 + index)!)) }

    /// One multiple-choice example: the context run once, then each choice's tokens (" " + its text) from the
    /// context's cache; log p of each choice token summed.
    func chooseAnswer(_ example: BenchmarkTask.Example, index: Int, seed: UInt64, chat: Bool) throws -> BenchmarkOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        let (choices, correct) = Self.shuffledChoices(example, index: index, seed: seed)
        var text = Self.multipleChoicePrompt(example.question, choices: choices)
        if chat { text = try chatPrompt(String(text.dropLast("\n\nAnswer:".count))) + "Answer:" }
        let context = try tokenize(text)
        let continuations = try choices.map { try tokenizer.encode(" " + $0, parseSpecial: false) }
        let longest = continuations.map(\.count).max() ?? 0
        guard context.count + longest <= config.contextLength else {
            throw LLMError(.invalidArgument, "example \(index + 1) (line \(example.line)): question and choices are \(context.count + longest) tokens, past the model's context of \(config.contextLength)")
        }
        let cache = decoder.makeCache(limit: context.count + longest)
        // The last context row predicts each choice's first token. // (width)
        let last = try decoder.forward(context, cache: cache)
        var passes = [ForwardPass(start: 0, count: context.count)]
        var scores: [Double] = []
        for tokens in continuations {
            cache.truncate(to: context.count)
            guard !tokens.isEmpty else { scores.append(0); continue }
            // Rows of the choice's positions; row i predicts token i + 1. // (tokens, width)
            let rows = try decoder.forward(tokens, cache: cache, keep: tokens.count)
            let predicting = last + rows.prefix((tokens.count - 1) * config.width)
            scores.append(try decoder.scoreRows(hidden: Array(predicting), targets: tokens).reduce(0, +))
            passes.append(ForwardPass(start: context.count, count: tokens.count))
        }
        let characters = choices.map { (" " + $0).count }
        let chosen = scores.indices.max { scores[$0] < scores[$1] }!
        let normalised = scores.indices.max { scores[$0] / Double(characters[$0]) < scores[$1] / Double(characters[$1]) }!
        return BenchmarkOutcome(index: index, line: example.line, correct: chosen == correct, prediction: Self.letter(chosen),
                                target: Self.letter(correct), generated: "", prompt: text, choices: choices,
                                choiceLogLikelihoods: scores,
                                choiceCharacters: characters, choiceTokens: continuations.map(\.count),
                                correctNormalised: normalised == correct, promptTokens: context.count,
                                processedTokens: passes.reduce(0) { $0 + $1.count }, generatedTokens: 0,
                                referenceLogLikelihood: scores[correct], referenceTokens: continuations[correct].count,
                                forwardPasses: passes, seconds: (clock.now - started).seconds)
    }
}
