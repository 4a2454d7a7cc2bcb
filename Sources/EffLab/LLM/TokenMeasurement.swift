import EffEnergy
import EffKernels
import EffLanguage
import EffLLM
import EffNumerics
import EffUnits
import Foundation

/// `measure(lm, prompt, tokens:, repeats:)`: prefill and decode timed separately over repeated greedy runs (after one
/// warm-up run), tokens/s as median and range, and J/token measured with a meter where one is readable, else the
/// estimate, always labelled. `record` holds the fields the MLPerf Inference power proposal asks of a result, so
/// figures compare across tools; `runs` holds every repetition (save either as .csv or .json).
final class TokenMeasurementValue: EffObject {
    /// One repetition: seconds and joules of each phase (joules nil without a meter).
    struct Run {
        var prefillSeconds: Double    // seconds
        var decodeSeconds: Double     // seconds
        var prefillJoules: Double?    // joules
        var decodeJoules: Double?     // joules
    }

    let modelName: String
    let format: String
    let promptTokens: Int
    /// Tokens generated per run: the first by prefill (its logits), the rest by decode steps.
    let generatedTokens: Int
    let runs: [Run]
    /// The meter read, or nil (then energy is the estimate).
    let meterName: String?
    let meterSource: EnergySource?
    let idleWatts: Double?
    let estimate: TokenEstimateValue
    let notes: [String]

    init(modelName: String, format: String, promptTokens: Int, generatedTokens: Int, runs: [Run], meterName: String?,
         meterSource: EnergySource?, idleWatts: Double?, estimate: TokenEstimateValue, notes: [String]) {
        self.modelName = modelName
        self.format = format
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.runs = runs
        self.meterName = meterName
        self.meterSource = meterSource
        self.idleWatts = idleWatts
        self.estimate = estimate
        self.notes = notes
    }

    /// Times `repeats` greedy runs of `prompt` + `tokens` tokens (one more run first, as warm-up), reading `meter` at
    /// the start, after prefill (the prompt's forward pass and its logits) and after the last decode step.
    static func make(_ model: LanguageModel, prompt: String, tokens: Int, repeats: Int, meter: (any EnergyMeter)?, idle: Bool,
                     profile: EnergyProfile, function: String) throws -> TokenMeasurementValue {
        try interleaved([model], prompt: prompt, tokens: tokens, repeats: repeats, meter: meter, idle: idle, profile: profile,
                        function: function)[0]
    }

    /// Measures several models on the same prompt in interleaved rounds (A B, B A, …, after one warm-up run each), so
    /// drift of the machine falls on all of them alike.
    static func interleaved(_ models: [LanguageModel], prompt: String, tokens: Int, repeats: Int, meter: (any EnergyMeter)?,
                            idle: Bool, profile: EnergyProfile, function: String) throws -> [TokenMeasurementValue] {
        let benchmarks = try models.map { try TokenBenchmark($0, prompt: prompt, tokens: tokens, meter: meter, function: function) }
        let estimates = try benchmarks.map { b in
            try TokenEstimateValue.make(b.model, promptTokens: b.ids.count, generatedTokens: tokens - 1, cache: .f32,
                                        contexts: [], formats: [], profile: profile, function: function)
        }
        var runs = [[Run]](repeating: [], count: models.count)
        try ModelBenchmarks.rethrow(function) {
            try LanguageModelBuiltins.passing(function) {
                for b in benchmarks where repeats > 0 { _ = try b.run() }  // warm-up: page in the weights, grow the buffers
                for round in 0..<repeats {
                    let order = round % 2 == 0 ? Array(benchmarks.indices) : benchmarks.indices.reversed()
                    for index in order { runs[index].append(try benchmarks[index].run()) }
                }
            }
        }
        var notes: [String] = []
        var idleWatts: Double?
        if let meter, repeats > 0, runs.joined().allSatisfy({ ($0.prefillJoules ?? 0) + ($0.decodeJoules ?? 0) <= 0 }) {
            throw RuntimeError("\(function): the \(meter.name) counter never moved while generating; no measured energy",
                               hint: "give more tokens or a longer prompt, or meter: \"none\" to use the estimate", argument: "meter")
        }
        if let meter {
            let shortest = runs.joined().map { min($0.prefillSeconds, $0.decodeSeconds) }.min() ?? 0
            if shortest < meter.minimumWindowSeconds {
                notes.append("a phase took \(SIFormat.display(shortest, digits: 3)) s, under the \(meter.name) counter's update period of "
                    + "\(SIFormat.display(meter.minimumWindowSeconds, digits: 3)) s: its energy is coarse; use a longer prompt or more tokens")
            }
            if idle {
                let all = Array(runs.joined())
                let seconds = all.map { $0.prefillSeconds + $0.decodeSeconds }.reduce(0, +) / Double(all.count)
                idleWatts = try ModelBenchmarks.rethrow(function) { try measureIdleWatts(meter: meter, seconds: seconds) }
            }
        } else {
            notes.append("no energy meter is readable here (meters() says why): J/token is the estimate")
        }
        return benchmarks.indices.map { index in
            TokenMeasurementValue(modelName: models[index].name, format: models[index].weightFormatName,
                                  promptTokens: benchmarks[index].ids.count, generatedTokens: tokens, runs: runs[index],
                                  meterName: meter?.name, meterSource: meter?.source(basis: idle ? .netOfIdle : .total),
                                  idleWatts: idleWatts, estimate: estimates[index], notes: notes)
        }
    }

    /// One model, one prompt: a greedy run of `tokens` tokens, timed (and metered) by phase.
    struct TokenBenchmark {
        let model: LanguageModel
        let ids: [Int32]
        let tokens: Int
        let meter: (any EnergyMeter)?

        init(_ model: LanguageModel, prompt: String, tokens: Int, meter: (any EnergyMeter)?, function: String) throws {
            ids = try LanguageModelBuiltins.passing(function, argument: "data") { try model.tokenize(prompt) }
            guard !ids.isEmpty else { throw RuntimeError("\(function): the prompt is empty: give some text to continue", argument: "data") }
            guard ids.count + tokens <= model.config.contextLength else {
                throw RuntimeError("\(function): the prompt (\(ids.count) tokens) plus \(tokens) tokens exceeds the context of \(model.name) (\(model.config.contextLength))",
                                   argument: "tokens")
            }
            self.model = model
            self.tokens = tokens
            self.meter = meter
        }

        func run() throws -> Run {
            let decoder = model.decoder
            func argmax(_ logits: [Float]) -> Int32 { Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0) }
            let clock = ContinuousClock()
            let cache = decoder.makeCache(limit: ids.count + tokens)
            let r0 = try meter?.read()
            let t0 = clock.now
            var token = argmax(try decoder.logits(try decoder.forward(ids, cache: cache)))
            let t1 = clock.now
            let r1 = try meter?.read()
            for _ in 1..<max(tokens, 1) { token = argmax(try decoder.logits(try decoder.forward([token], cache: cache))) }
            let t2 = clock.now
            let r2 = try meter?.read()
            func joules(_ a: EnergyReading?, _ b: EnergyReading?) -> Double? {
                guard let meter, let a, let b else { return nil }
                return meter.window(from: a, to: b).totalJoules
            }
            return Run(prefillSeconds: (t1 - t0).seconds, decodeSeconds: (t2 - t1).seconds,
                       prefillJoules: joules(r0, r1), decodeJoules: joules(r1, r2))
        }
    }

    var typeName: String { "llm measurement" }
    var decodeSteps: Int { generatedTokens - 1 }

    var prefillRates: [Double] { runs.map { Double(promptTokens) / $0.prefillSeconds } }
    var decodeRates: [Double] { decodeSteps > 0 ? runs.map { Double(decodeSteps) / $0.decodeSeconds } : [] }

    /// Joules per token of each run, net of idle when measured so; the estimate when there is no meter.
    var prefillEnergies: [Double] {
        guard meterName != nil else { return [estimate.prefill.perToken] }
        return runs.compactMap { run in run.prefillJoules.map { ($0 - (idleWatts ?? 0) * run.prefillSeconds) / Double(promptTokens) } }
    }
    var decodeEnergies: [Double] {
        guard decodeSteps > 0 else { return [] }
        guard meterName != nil else { return [estimate.decodeMean] }
        return runs.compactMap { run in run.decodeJoules.map { ($0 - (idleWatts ?? 0) * run.decodeSeconds) / Double(decodeSteps) } }
    }

    var energySourceLabel: String { meterSource.map { EnergyLabels.source($0) } ?? estimate.sourceLabel }
    /// "rapl", "perf-power", "nvml", or "estimate (profile NAME)".
    var method: String { meterName ?? "estimate (profile \(estimate.profile.name))" }
    /// Total joules of all timed runs (both phases).
    var totalEnergy: Double {
        let prefill = (Statistics.meanOrNaN(prefillEnergies)) * Double(promptTokens)
        let decode = decodeSteps > 0 ? Statistics.meanOrNaN(decodeEnergies) * Double(decodeSteps) : 0
        return (prefill + decode) * Double(runs.count)
    }
    var totalSeconds: Double { runs.reduce(0) { $0 + $1.prefillSeconds + $1.decodeSeconds } }
    /// Phase averages of power (each run's prefill and decode windows): mean over the timed runs and the highest window.
    var phasePowers: [Double] {
        runs.flatMap { run -> [Double] in
            let prefill = Statistics.meanOrNaN(prefillEnergies) * Double(promptTokens)
            let decode = decodeSteps > 0 ? Statistics.meanOrNaN(decodeEnergies) * Double(decodeSteps) : 0
            if meterName != nil, let p = run.prefillJoules, let d = run.decodeJoules {
                return [(p - (idleWatts ?? 0) * run.prefillSeconds) / run.prefillSeconds,
                        (d - (idleWatts ?? 0) * run.decodeSeconds) / max(run.decodeSeconds, 1e-12)]
            }
            return [prefill / run.prefillSeconds] + (decodeSteps > 0 ? [decode / run.decodeSeconds] : [])
        }
    }

    /// Median and range of samples as "median (low–high)".
    func spread(_ samples: [Double], _ show: (Double) -> String) -> String {
        guard let low = samples.min(), let high = samples.max() else { return "n/a" }
        return show(Quantiles.median(samples)) + (samples.count > 1 ? " (\(show(low))–\(show(high)))" : "")
    }

    func display(_ context: DisplayContext) -> String {
        func rate(_ value: Double) -> String { SIFormat.display(value, digits: 3) }
        func j(_ value: Double) -> String { joules(value).text(context) }
        func watts(_ value: Double) -> String { Value.quantity(Quantity(value, .power)).text(context) }
        var lines = ["measurement \(modelName) (\(format)), prompt \(promptTokens) tokens, \(generatedTokens) generated, batch 1, "
                     + "\(runs.count) runs after 1 warm-up, \(KernelThreads.count) thread\(KernelThreads.count == 1 ? "" : "s")"]
        lines.append("  prefill  \(spread(prefillRates, rate)) tokens/s (median, range)")
        if decodeSteps > 0 { lines.append("  decode   \(spread(decodeRates, rate)) tokens/s (median, range)") }
        let prefill = prefillEnergies, decode = decodeEnergies
        func meanSD(_ samples: [Double]) -> String {
            guard !samples.isEmpty else { return "n/a" }
            let mean = Statistics.meanOrNaN(samples)
            return samples.count > 1 ? "\(j(mean)) ± \(j(Statistics.standardDeviationOrZero(samples)))" : j(mean)
        }
        lines.append("  energy per token: prefill \(meanSD(prefill))" + (decodeSteps > 0 ? ", decode \(meanSD(decode))" : "")
                     + " [\(energySourceLabel)]")
        let powers = phasePowers
        lines.append("  total \(j(totalEnergy)) over \(SIFormat.display(totalSeconds, digits: 3)) s; power mean "
                     + "\(watts(Statistics.meanOrNaN(powers))), peak \(watts(powers.max() ?? .nan)) (per phase window)"
                     + (meterName == nil ? " [estimated energy / measured time]" : ""))
        lines.append("  method \(method), sampling per phase (prefill, decode), idle " + (idleWatts.map { "\(watts($0)) subtracted" } ?? "not subtracted"))
        lines += notes.map { "  note: \($0)" }
        return lines.flatMap { EnergyLabels.wrap($0, width: context.width, indent: "      ") }.joined(separator: "\n")
    }

    /// The MLPerf-style result record (quantities in base units when saved): one row for `save([m.record], "r.json")`.
    var record: Record {
        let powers = phasePowers
        func sd(_ samples: [Double]) -> Value { samples.count > 1 ? joules(Statistics.standardDeviationOrZero(samples)) : .nilValue }
        return Record([
            ("model", .string(modelName)), ("format", .string(format)),
            ("input_tokens", .number(Double(promptTokens))), ("output_tokens", .number(Double(generatedTokens))),
            ("batch", .number(1)), ("runs", .number(Double(runs.count))), ("threads", .number(Double(KernelThreads.count))),
            ("prefill_tokens_per_s", .number(Quantiles.median(prefillRates))),
            ("decode_tokens_per_s", decodeSteps > 0 ? .number(Quantiles.median(decodeRates)) : .nilValue),
            ("prefill_energy_per_token", joules(Statistics.meanOrNaN(prefillEnergies))), ("prefill_energy_sd", sd(prefillEnergies)),
            ("decode_energy_per_token", decodeSteps > 0 ? joules(Statistics.meanOrNaN(decodeEnergies)) : .nilValue),
            ("decode_energy_sd", sd(decodeEnergies)),
            ("total_energy", joules(totalEnergy)),
            ("mean_power", .quantity(Quantity(Statistics.meanOrNaN(powers), .power))),
            ("peak_power", .quantity(Quantity(powers.max() ?? .nan, .power))),
            ("method", .string(method)), ("source", .string(energySourceLabel)),
            ("sampling_interval", .string("per phase (prefill, decode)")),
            ("idle_subtracted", .bool(idleWatts != nil)),
            ("machine", .string(MachineInfo.cpuModel())),
        ])
    }

    /// One row per timed run: seconds, tokens/s and (measured) joules of each phase.
    var runRecords: [Record] {
        runs.enumerated().map { index, run in
            Record([("run", .number(Double(index + 1))), ("prefill_time", secondsValue(run.prefillSeconds)),
                    ("prefill_tokens_per_s", .number(Double(promptTokens) / run.prefillSeconds)),
                    ("decode_time", secondsValue(run.decodeSeconds)),
                    ("decode_tokens_per_s", decodeSteps > 0 ? .number(Double(decodeSteps) / run.decodeSeconds) : .nilValue),
                    ("prefill_energy", run.prefillJoules.map(joules) ?? .nilValue),
                    ("decode_energy", run.decodeJoules.map(joules) ?? .nilValue)])
        }
    }

    static let fields = ["record", "runs", "prefill_tokens_per_s", "decode_tokens_per_s", "prefill_energy", "decode_energy",
                         "source", "method", "estimate", "notes"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        switch name {
        case "record": return .record(record)
        case "runs": return LabTables.make(runRecords)
        case "prefill_tokens_per_s": return .number(Quantiles.median(prefillRates))
        case "decode_tokens_per_s": return decodeSteps > 0 ? .number(Quantiles.median(decodeRates)) : .nilValue
        case "prefill_energy": return joules(Statistics.meanOrNaN(prefillEnergies))
        case "decode_energy": return decodeSteps > 0 ? joules(Statistics.meanOrNaN(decodeEnergies)) : .nilValue
        case "source": return .string(energySourceLabel)
        case "method": return .string(method)
        case "estimate": return .object(estimate)
        case "notes": return .list(notes.map { .string($0) })
        default: return nil
        }
    }
}

extension Statistics {
    /// The mean, NaN for no samples.
    static func meanOrNaN(_ samples: [Double]) -> Double { (try? mean(samples)) ?? .nan }
    /// The sample standard deviation, 0 for fewer than two samples.
    static func standardDeviationOrZero(_ samples: [Double]) -> Double { (try? standardDeviation(samples)) ?? 0 }
}
