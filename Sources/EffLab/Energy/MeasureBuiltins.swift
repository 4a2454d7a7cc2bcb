import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffModels
import EffUnits

/// A timed (and, with a meter, metered) run of a model: latency with its CI, throughput, energy per
/// inference with its source, average power and the estimated per-layer breakdown.
///
/// Timings vary run to run; `energy` is deterministic when no meter was used (it is the estimate),
/// so scripts with fixed transcripts print that and not `latency`.
final class MeasurementValue: EffObject {
    let result: BenchmarkResult
    let estimate: EstimateValue
    let format: String
    let batch: Int

    init(result: BenchmarkResult, estimate: EstimateValue, format: String, batch: Int) {
        self.result = result
        self.estimate = estimate
        self.format = format
        self.batch = batch
    }

    var typeName: String { "measurement" }

    /// The headline energy: measured when a meter counted it, else the estimate.
    var energy: EnergyFigure { result.measuredEnergy ?? estimate.figure }
    var energySource: String { EnergyLabels.source(energy.source) }
    /// "total" or "net of idle" for measurements; "estimate" otherwise.
    var basis: String {
        if case .measured(_, _, let basis) = energy.source { return basis.rawValue }
        return "estimate (no meter)"
    }

    func display(_ context: DisplayContext) -> String {
        let latency = result.latency
        func time(_ seconds: Double) -> String { secondsValue(seconds).text(context) }
        var lines = ["measurement \(result.name) (\(format), batch \(batch))"]
        var latencyLine = "  latency \(latency.statistic.rawValue) \(time(latency.center)) per call"
        if let interval = latency.confidenceInterval {
            latencyLine += " (\(Int((interval.level * 100).rounded()))% CI \(time(interval.lower))..\(time(interval.upper)))"
        }
        lines.append(latencyLine + ", \(latency.count) repetitions × \(result.callsPerRepetition) calls, \(result.stopReason.rawValue)")
        lines.append("  throughput \(QuantityFormatter.formatNumber(result.throughput.rounded())) inferences/s")
        var energyLine = "  energy \(joules(energy.joules).text(context)) per inference"
        if let interval = energy.confidenceInterval {
            energyLine += " (\(Int((interval.level * 100).rounded()))% CI \(joules(interval.lower).text(context))..\(joules(interval.upper).text(context)))"
        }
        lines.append(energyLine + " [\(energySource)]")
        if result.measuredEnergy != nil {
            lines.append("  estimate \(joules(estimate.joulesPerInference).text(context)) per inference [\(estimate.sourceLabel)]")
        }
        if let power = result.averagePower {
            lines.append("  average power \(Value.quantity(Quantity(power.watts, .power)).text(context)) [\(EnergyLabels.source(power.source))]")
        }
        if let idle = result.idleWatts {
            lines.append("  idle power subtracted: \(Value.quantity(Quantity(idle, .power)).text(context))")
        }
        let layers = estimate.layerRecords
        let width = layers.map { ($0["layer"]?.text(context) ?? "").count }.max() ?? 0
        lines.append("  per layer (estimated, per inference):")
        for record in layers {
            lines.append("    " + (record["layer"]?.text(context) ?? "").padding(toLength: width, withPad: " ", startingAt: 0)
                + "  " + (record["energy"]?.text(context) ?? ""))
        }
        lines += result.notes.map { "  note: \($0)" }
        return lines.flatMap { EnergyLabels.wrap($0, width: context.width, indent: "      ") }.joined(separator: "\n")
    }

    static let fields = ["name", "format", "batch", "latency", "latency_low", "latency_high", "throughput", "energy",
                         "energy_low", "energy_high", "source", "basis", "estimate", "power", "power_source", "layers",
                         "repetitions", "stop_reason", "notes"]
    var fieldNames: [String] { MeasurementValue.fields }

    func field(_ name: String) -> Value? {
        let interval = result.latency.confidenceInterval
        switch name {
        case "name": return .string(result.name)
        case "format": return .string(format)
        case "batch": return .number(Double(batch))
        case "latency": return secondsValue(result.latency.center)
        case "latency_low": return interval.map { secondsValue($0.lower) } ?? .nilValue
        case "latency_high": return interval.map { secondsValue($0.upper) } ?? .nilValue
        case "throughput": return .number(result.throughput)
        case "energy": return joules(energy.joules)
        case "energy_low": return energy.confidenceInterval.map { joules($0.lower) } ?? .nilValue
        case "energy_high": return energy.confidenceInterval.map { joules($0.upper) } ?? .nilValue
        case "source": return .string(energySource)
        case "basis": return .string(basis)
        case "estimate": return .object(estimate)
        case "power": return result.averagePower.map { .quantity(Quantity($0.watts, .power)) } ?? .nilValue
        case "power_source": return result.averagePower.map { .string(EnergyLabels.source($0.source)) } ?? .nilValue
        case "layers": return estimate.field("layers")
        case "repetitions": return .number(Double(result.latency.count))
        case "stop_reason": return .string(result.stopReason.rawValue)
        case "notes": return .list(result.notes.map { .string($0) })
        default: return nil
        }
    }
}

/// Building benchmarks of models on data, shared by measure, compare and claim.
enum ModelBenchmarks {
    /// A benchmark that predicts `batch` examples of `data` per call (rows taken from the start,
    /// wrapping around when the data set is smaller than the batch).
    static func make(_ model: Model, data: Dataset, batch: Int, function: String) throws -> EffEnergy.Benchmark {
        guard data.featureCount == model.inputCount else {
            throw RuntimeError("\(function): model '\(model.name)' takes \(model.inputCount) features but the data set "
                + "\(data.name) has \(data.featureCount)", argument: "data")
        }
        guard data.count > 0 else { throw RuntimeError("\(function): the data set \(data.name) is empty", argument: "data") }
        var features: [Float] = []  // (batch, featureCount) row-major
        features.reserveCapacity(batch * data.featureCount)
        for index in 0..<batch { features += try data.row(index % data.count) }
        let layers = EnergyLabels.layerWork(model, batch: batch)
        return EffEnergy.Benchmark(name: model.name, inferencesPerCall: batch, layers: layers) {
            _ = try model.predict(features, count: batch)
        }
    }

    /// Measurement options from a time budget and a target relative CI half-width.
    static func options(budget: Double, targetInterval: Double, idle: Bool, function: String) throws -> MeasureOptions {
        guard targetInterval.isFinite, targetInterval > 0, targetInterval < 1 else {
            throw RuntimeError("\(function): target_ci must be within (0, 1) (0.05 = ±5 %), got \(Value.number(targetInterval).text())",
                               argument: "target_ci")
        }
        var options = MeasureOptions()
        options.timeBudgetSeconds = budget
        options.warmupSeconds = min(0.1, budget / 10)
        options.relativePrecision = targetInterval
        options.subtractIdle = idle
        options.maximumIdleSeconds = budget
        return options
    }

    /// EffEnergy's measurement errors as eff runtime errors.
    static func rethrow<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as MeasureError {
            throw RuntimeError("\(function): \(error.message)")
        } catch let error as MeterError {
            throw RuntimeError("\(function): \(error.description)")
        } catch let error as StatisticsError {
            throw RuntimeError("\(function): \(error.message)")
        } catch let error as ModelsError {
            throw RuntimeError("\(function): \(error)")
        }
    }
}

enum MeasureBuiltins {
    static let list: [Builtin] = [
        Builtin("measure", [.required("model"), .required("data"), .optional("batch", .number(1)),
                            .optional("budget", .quantity(Quantity(2, .time))), .optional("target_ci", .number(0.05)),
                            .optional("meter", .string("auto")), .optional("idle", .bool(false)),
                            .optional("profile", .string(EnergyProfileRegistry.defaultName)),
                            .optional("tokens", .number(32)), .optional("repeats", .number(5))],
                category: "energy",
                summary: "Times inference until the 95% CI of the median latency is within target_ci (or the budget runs out): latency, throughput, energy per inference (measured with a meter, else estimated; always labelled), power. For a language model and a prompt: `repeats` greedy runs of `tokens` tokens after a warm-up, prefill and decode tokens/s (median, range) and J/token, with an MLPerf-style `record`.",
                example: "let m = mlp([64, 32, 10]); measure(m, split(dataset(\"digits\"), train: 0.8, seed: 1).test, budget: 0.2 s).energy") { arguments in
            if case .object(let object) = arguments.value("model"), let lm = object as? LanguageModelValue {
                return .object(try languageModelMeasurement(lm.model, arguments))
            }
            let modelValue = try arguments.modelValue("model", function: "measure")
            let data = try arguments.datasetValue("data", function: "measure").dataset
            let batch = try arguments.batchSize(function: "measure")
            let options = try ModelBenchmarks.options(budget: try arguments.seconds("budget", function: "measure"),
                                                      targetInterval: try arguments.number("target_ci"),
                                                      idle: try arguments.bool("idle"), function: "measure")
            let meter = try MeterBuiltins.choose(arguments.value("meter"), function: "measure")
            if options.subtractIdle && meter == nil {
                throw RuntimeError("measure: idle: true needs a meter (idle power cannot be estimated)", argument: "idle")
            }
            let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "measure")
            let estimate = try EstimateValue.make(modelValue.model, batch: batch, profile: profile, function: "measure")
            let benchmark = try ModelBenchmarks.make(modelValue.model, data: data, batch: batch, function: "measure")
            let result = try ModelBenchmarks.rethrow("measure") {
                try EffEnergy.measure(benchmark, options: options, meter: meter,
                                      estimator: EnergyEstimator(profile: profile, caches: estimate.caches))
            }
            return .object(MeasurementValue(result: result, estimate: estimate, format: modelValue.formatName, batch: batch))
        },
    ]

    /// `measure(lm, prompt, tokens:, repeats:, meter:, idle:, profile:)`.
    static func languageModelMeasurement(_ model: LanguageModel, _ arguments: Arguments) throws -> TokenMeasurementValue {
        guard case .string(let prompt) = arguments.value("data") else {
            throw RuntimeError("measure: for a language model, the second argument is the prompt text, got \(arguments.value("data").typeName)",
                               argument: "data")
        }
        let tokens = try arguments.integer("tokens"), repeats = try arguments.integer("repeats")
        guard tokens >= 1 else { throw RuntimeError("measure: tokens must be ≥ 1, got \(tokens)", argument: "tokens") }
        guard (2...1000).contains(repeats) else {
            throw RuntimeError("measure: repeats must be within 2...1000 (one run is not a result), got \(repeats)", argument: "repeats")
        }
        let meter = try MeterBuiltins.choose(arguments.value("meter"), function: "measure")
        let idle = try arguments.bool("idle")
        if idle && meter == nil {
            throw RuntimeError("measure: idle: true needs a meter (idle power cannot be estimated)", argument: "idle")
        }
        let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "measure")
        return try TokenMeasurementValue.make(model, prompt: prompt, tokens: tokens, repeats: repeats, meter: meter, idle: idle,
                                              profile: profile, function: "measure")
    }
}
