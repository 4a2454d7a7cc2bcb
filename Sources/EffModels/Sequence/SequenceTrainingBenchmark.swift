import EffKernels
import EffNumerics
import Foundation

/// `eff bench train`: training tokens/s of a fixed small Llama-style transformer on the Austen characters.
///
/// The model: character vocabulary of `corpus` (the six Austen novels: 85 tokens), width 128, `layers` × (attention
/// with 4 heads and RoPE, SwiGLU feed-forward with 512 hidden units), RMSNorm, untied head; AdamW as
/// `SequenceTrainingOptions` defaults; batch 16 sequences of 128 tokens (2,048 tokens a step). For each thread
/// count a fresh model (same seed) trains `warmup` steps untimed, then `repeats` × `steps` timed steps; each repeat
/// gives tokens/s = steps · batch · length ÷ its seconds, and the record holds their median and range.
/// `scripts/bench-train-vs-pytorch.py` builds the same model and times PyTorch the same way.
public enum SequenceTrainingBenchmark {
    public struct Configuration: Sendable, Equatable {
        public var corpus = "austen"
        public var width = 128
        public var layers = 4
        public var heads = 4
        public var hidden = 512
        public var batch = 16
        public var length = 128
        public var warmup = 2
        public var steps = 5
        public var repeats = 3
        public var threads = [1, 2]
        public var seed: UInt64 = 1
        public init() {}

        /// The blocks: `layers` × [attention(heads), ffn(hidden, swiglu)].
        public var blocks: [LayerSpec] {
            (0..<layers).flatMap { _ in
                [LayerSpec(kind: "attention", arguments: ["heads": .number(Double(heads))]),
                 LayerSpec(kind: "ffn", arguments: ["hidden": .number(Double(hidden))])]
            }
        }

        public var trainingOptions: SequenceTrainingOptions {
            var options = SequenceTrainingOptions(steps: warmup + repeats * steps)
            options.batch = batch
            options.length = length
            options.evaluateEvery = 0
            return options
        }

        public func validate() throws {
            func check(_ ok: Bool, _ message: String) throws { if !ok { throw ModelsError(.training, message) } }
            try check(width >= 2 && width <= 8192, "width must be in 2…8192, got \(width)")
            try check(layers >= 1 && layers <= 256, "layers must be in 1…256, got \(layers)")
            try check(hidden >= 1 && hidden <= 65536, "hidden must be in 1…65536, got \(hidden)")
            try check(warmup >= 0 && steps >= 1 && repeats >= 1, "need warm-up ≥ 0, steps ≥ 1 and repeats ≥ 1")
            try check(!threads.isEmpty && threads.allSatisfy { $0 >= 1 && $0 <= 1024 }, "threads must be in 1…1024")
            try trainingOptions.validate()
            // Heads that do not divide the width, odd head sizes: the model's own errors, before anything runs.
            _ = try SequenceModel(name: "bench", vocabularySize: 2, width: width, blocks: blocks, seed: seed)
        }
    }

    /// One thread count's measurement (JSON field names as `eff bench llm`'s).
    public struct Record: Sendable, Equatable, Codable {
        public var corpus: String
        public var vocabulary: Int
        public var width: Int
        public var layers: Int
        public var heads: Int
        public var hidden: Int
        public var batch: Int
        public var length: Int
        public var parameters: Int
        public var threads: Int
        public var warmup_steps: Int
        public var timed_steps: Int
        public var repeats: Int
        /// Training tokens/s: median and range over repeats.
        public var tokens_per_second: Double
        public var tokens_per_second_min: Double
        public var tokens_per_second_max: Double
        /// (max − min) / median.
        public var spread: Double
        /// Mean seconds per timed step (median repeat).
        public var step_seconds: Double
        /// The loss of the first and last steps.
        public var first_loss: Double
        public var last_loss: Double
    }

    /// The training text as characters.
    public static func data(_ configuration: Configuration) throws -> TokenSequence {
        try TokenSequence.characters(TextCorpus.text(configuration.corpus), name: configuration.corpus)
    }

    /// The benchmark's model, untrained, for `vocabulary` tokens.
    public static func model(_ configuration: Configuration, vocabulary: Int) throws -> SequenceModel {
        try SequenceModel(name: "bench", vocabularySize: vocabulary, width: configuration.width, blocks: configuration.blocks,
                          seed: configuration.seed)
    }

    /// Measures every thread count in turn (setting `KernelThreads.count`); `progress` receives each record.
    @discardableResult
    public static func run(_ configuration: Configuration, progress: (Record) -> Void = { _ in }) throws -> [Record] {
        try configuration.validate()
        let data = try data(configuration)
        let options = configuration.trainingOptions
        let saved = KernelThreads.count
        defer { KernelThreads.count = saved }
        var records: [Record] = []
        for threads in configuration.threads {
            KernelThreads.count = threads
            var model = try model(configuration, vocabulary: data.vocabulary.count)
            var marks: [ContinuousClock.Instant] = []
            marks.reserveCapacity(options.steps + 1)
            var losses: [Double] = []
            marks.append(.now)
            try model.train(on: data, heldOut: nil, options: options) { step in
                marks.append(.now)
                losses.append(step.loss)
                return true
            }
            let tokensPerStep = Double(configuration.batch * configuration.length)
            var rates: [Double] = [], seconds: [Double] = []
            for r in 0..<configuration.repeats {
                let begin = configuration.warmup + r * configuration.steps
                let elapsed = (marks[begin + configuration.steps] - marks[begin]).seconds
                seconds.append(elapsed / Double(configuration.steps))
                rates.append(tokensPerStep * Double(configuration.steps) / elapsed)
            }
            let median = Quantiles.median(rates)
            let record = Record(corpus: configuration.corpus, vocabulary: data.vocabulary.count, width: configuration.width,
                                layers: configuration.layers, heads: configuration.heads, hidden: configuration.hidden,
                                batch: configuration.batch, length: configuration.length, parameters: model.parameterCount,
                                threads: threads, warmup_steps: configuration.warmup, timed_steps: configuration.steps,
                                repeats: configuration.repeats, tokens_per_second: median,
                                tokens_per_second_min: rates.min() ?? 0, tokens_per_second_max: rates.max() ?? 0,
                                spread: median > 0 ? ((rates.max() ?? 0) - (rates.min() ?? 0)) / median : 0,
                                step_seconds: Quantiles.median(seconds), first_loss: losses.first ?? .nan,
                                last_loss: losses.last ?? .nan)
            records.append(record)
            progress(record)
        }
        return records
    }

    /// What `scripts/bench-train-vs-pytorch.py --check` compares: the untrained model (safetensors) and the windows
    /// and losses of the first `steps` training steps, as `train` draws them. Writes `folder/initial.safetensors` and
    /// `folder/steps.json` ({"windows": [[ids of step 1], …], "losses": […], "learning_rates": […], options…}).
    /// Returns the model after those steps and the first window's tokens (up to 64), for export checks.
    @discardableResult
    public static func writeCheck(_ configuration: Configuration, steps: Int, folder: String) throws -> (model: SequenceModel, sample: [Int32]) {
        try configuration.validate()
        let data = try data(configuration)
        var model = try model(configuration, vocabulary: data.vocabulary.count)
        model.vocabulary = data.vocabulary
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try model.saveSafeTensors(path: folder + "/initial.safetensors")
        var options = configuration.trainingOptions
        options.steps = steps
        var random = RandomGenerator(seed: options.seed)
        let windows = (0..<steps).map { _ in
            data.randomWindows(batch: options.batch, length: options.length, random: &random).map(Int.init)
        }
        var losses: [Double] = [], norms: [Double] = []
        try model.train(on: data, heldOut: nil, options: options) { step in
            losses.append(step.loss)
            norms.append(step.gradientNorm)
            return true
        }
        let record: [String: Any] = [
            "batch": options.batch, "length": options.length, "windows": windows, "losses": losses,
            "gradient_norms": norms, "learning_rates": (0..<steps).map { options.rate(step: $0) },
            "weight_decay": options.weightDecay, "beta1": options.beta1, "beta2": options.beta2, "epsilon": options.epsilon,
            "clip": options.clip, "width": configuration.width, "layers": configuration.layers, "heads": configuration.heads,
            "hidden": configuration.hidden, "vocabulary": data.vocabulary.count,
        ]
        let json = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: folder + "/steps.json"))
        return (model, windows[0].prefix(min(64, options.length)).map { Int32($0) })
    }
}
