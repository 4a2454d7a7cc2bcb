import EffEnergy
import EffKernels
import EffLanguage
import EffModels
import EffUnits

/// `compare([m1, m2, …], data)`: the models measured in one interleaved run, as a table.
enum CompareBuiltins {
    /// The columns of compare's table, in order (one list: the table and the tests read it).
    static let columns = ["name", "format", "accuracy", "parameters", "bytes", "operations", "latency", "latency_ratio",
                          "energy", "energy_ratio", "energy_source", "estimated_energy", "estimated_ratio"]

    static let list: [Builtin] = [
        Builtin("compare", [.required("models"), .required("data"), .optional("batch", .number(1)),
                            .optional("budget", .quantity(Quantity(2, .time))), .optional("meter", .string("auto")),
                            .optional("profile", .string(EnergyProfileRegistry.defaultName)),
                            .optional("tokens", .number(32)), .optional("repeats", .number(5)), .optional("limit"),
                            .optional("shots"), .optional("seed")],
                category: "energy",
                summary: "Measures models in interleaved rounds (A B, B A, …) on the same data: a table of accuracy, size, operations, median latency and energy per inference, with ratios to the first model. Language models on a prompt: prefill and decode tokens/s, decode time and J/token ratios to the first; on a benchmark also accuracy with its CI and McNemar's p against the first (limit, shots, seed as in evaluate, or the benchmark's).",
                example: "let d = split(dataset(\"digits\"), train: 0.8, seed: 1); compare([mlp([64, 32, 10]), mlp([64, 16, 10])], d.test, budget: 0.2 s).estimated_energy") { arguments in
            if let lms = try TokenComparison.languageModels(try arguments.list("models"), function: "compare") {
                let (tokens, repeats) = try TokenComparison.counts(arguments, function: "compare")
                return .object(try TokenComparison.table(lms, prompt: try TokenComparison.prompt(arguments, function: "compare"),
                                                         tokens: tokens, repeats: repeats,
                                                         meter: try MeterBuiltins.choose(arguments.value("meter"), function: "compare"),
                                                         profile: try SessionProfiles.resolve(arguments.value("profile"), function: "compare"),
                                                         outcomes: try TokenComparison.benchmarkOutcomes(lms, arguments, function: "compare")))
            }
            let models = try arguments.list("models").enumerated().map { index, value -> ModelValue in
                guard case .object(let object as ModelValue) = value else {
                    throw RuntimeError("compare: 'models' must be a list of models, but the element at index \(index) is a \(value.typeName)",
                                       argument: "models")
                }
                return object
            }
            guard !models.isEmpty else { throw RuntimeError("compare: 'models' is empty; give at least one model", argument: "models") }
            let data = try arguments.datasetValue("data", function: "compare").dataset
            let batch = try arguments.batchSize(function: "compare")
            let budget = try arguments.seconds("budget", function: "compare")
            let meter = try MeterBuiltins.choose(arguments.value("meter"), function: "compare")
            let profile = try SessionProfiles.resolve(arguments.value("profile"), function: "compare")
            return .object(try table(models, data: data, batch: batch, budget: budget, meter: meter, profile: profile))
        },
    ]

    /// Evaluates, estimates and measures every model, then lays the results out as compare's table.
    static func table(_ models: [ModelValue], data: Dataset, batch: Int, budget: Double,
                      meter: (any EnergyMeter)?, profile: EnergyProfile) throws -> Table {
        let estimates = try models.map { try EstimateValue.make($0.model, batch: batch, profile: profile, function: "compare") }
        let evaluations = try ModelBenchmarks.rethrow("compare") { try models.map { try $0.model.evaluate(on: data) } }
        let benchmarks = try models.map { try ModelBenchmarks.make($0.model, data: data, batch: batch, function: "compare") }
        let options = try ModelBenchmarks.options(budget: budget, targetInterval: 0.05, idle: false, function: "compare")
        let comparison = try ModelBenchmarks.rethrow("compare") {
            try EffEnergy.compare(benchmarks, options: options, meter: meter,
                                  estimator: EnergyEstimator(profile: profile, caches: estimates[0].caches))
        }
        let baselineEstimate = estimates[0].joulesPerInference
        var records: [Record] = []
        for (index, model) in models.enumerated() {
            let result = comparison.results[index]
            let energy = result.measuredEnergy ?? estimates[index].figure
            let energyRatio = comparison.energyRatios[index].map { Value.number($0.value) } ?? .nilValue
            records.append(Record([
                ("name", .string(model.model.name)), ("format", .string(model.formatName)),
                ("accuracy", .number(evaluations[index].accuracy)),
                ("parameters", .number(Double(model.model.parameterCount))),
                ("bytes", .quantity(Quantity(Double(model.byteCount), .data))),
                ("operations", .number(EnergyLabels.operationCount(model.model.work(batch: 1)))),
                ("latency", secondsValue(result.latency.center)),
                ("latency_ratio", .number(comparison.latencyRatios[index].value)),
                ("energy", joules(energy.joules)), ("energy_ratio", energyRatio),
                ("energy_source", .string(EnergyLabels.source(energy.source))),
                ("estimated_energy", joules(estimates[index].joulesPerInference)),
                ("estimated_ratio", baselineEstimate > 0 ? .number(estimates[index].joulesPerInference / baselineEstimate) : .nilValue),
            ]))
        }
        return try Table(columns: columns, rows: records.map { record in columns.map { record[$0] ?? .nilValue } })
    }
}
