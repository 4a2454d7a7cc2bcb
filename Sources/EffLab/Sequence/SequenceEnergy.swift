import EffEnergy
import EffKernels
import EffLanguage
import EffModels
import EffUnits

/// The work of a sequence model by part, priced with an energy profile: the same estimator and labels as `estimate`
/// for MLPs and language models (`EnergyEstimator`, `EnergyLabels.source`), so every figure says it is an estimate
/// and which profile and citation it rests on.
enum SequenceEnergy {
    /// Generating one token at `context`: one named work per part, "embed", "1 attention 4 heads", …, "head" (the final
    /// RMSNorm and the linear head over the vocabulary). They add up to `SequenceModel.tokenWork(context:)`.
    static func tokenParts(_ model: SequenceModel, context: Int) -> [LayerWork] {
        let blocks = model.blocks.enumerated().map { index, block in
            LayerWork(name: "\(index + 1) \(block.mixer.description)", work: block.tokenWork(context: context))
        }
        // What the blocks leave of the whole: the embedding row read, the final norm and the head.
        let rest = subtract(model.tokenWork(context: context), blocks.reduce(Work()) { $0 + $1.work })
        let embed = Work(activationBytesRead: UInt64(model.width) * 4)
        return [LayerWork(name: "embed", work: embed)] + blocks + [LayerWork(name: "head", work: subtract(rest, embed))]
    }

    static func subtract(_ a: Work, _ b: Work) -> Work {
        var operations = a.operations
        for (operation, count) in b.operations { operations[operation, default: 0] -= count }
        return Work(operations: operations.filter { $0.value > 0 }, weightBytesRead: a.weightBytesRead - b.weightBytesRead,
                    activationBytesRead: a.activationBytesRead - b.activationBytesRead,
                    activationBytesWritten: a.activationBytesWritten - b.activationBytesWritten)
    }

    /// One training step (forward, backward ≈ 2× forward, AdamW) priced with the working set of training: weights,
    /// gradients and both AdamW moments (16 bytes per parameter) and the activations one forward writes.
    static func trainingStep(_ model: SequenceModel, batch: Int, length: Int, estimator: EnergyEstimator) throws -> EnergyEstimate {
        let shape = SequenceShape(batch: batch, length: length)
        let forward = model.forwardWork(shape: shape)
        let workingSet = WorkingSet(weightBytes: 16 * UInt64(model.parameterCount), activationBytes: forward.activationBytesWritten)
        return try estimator.estimate(model.trainingStepWork(shape: shape), workingSet: workingSet)
    }

    /// Rewords a profile that cannot price an operation as an error of `function`'s `profile` argument.
    static func pricing<T>(_ function: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EnergyProfileError {
            throw RuntimeError("\(function): \(error.message)", argument: "profile")
        }
    }
}

/// `estimate(m, context: 256, training: …)` for a sequence model: estimated energy per generated token at a context,
/// by part, and for a training run when asked.
final class SequenceEstimateValue: EffObject {
    let modelName: String
    let parameters: Int
    let activeParameters: Int
    let context: Int
    let cacheValues: Int
    let profile: EnergyProfile
    let caches: CacheHierarchy
    let perToken: LayerBreakdown
    /// steps × one step's estimate, with the shape it was counted for.
    let training: (steps: Int, batch: Int, length: Int, step: EnergyEstimate)?

    init(_ model: SequenceModel, context: Int, profile: EnergyProfile, caches: CacheHierarchy = .detect(),
         training: (steps: Int, batch: Int, length: Int)?, function: String) throws {
        let estimator = EnergyEstimator(profile: profile, caches: caches)
        modelName = model.name
        parameters = model.parameterCount
        activeParameters = model.activeParameterCount
        self.context = context
        cacheValues = model.cacheValues(context: context)
        self.profile = profile
        self.caches = caches
        perToken = try SequenceEnergy.pricing(function) {
            try estimator.estimate(layers: SequenceEnergy.tokenParts(model, context: context))
        }
        if let training {
            let step = try SequenceEnergy.pricing(function) {
                try SequenceEnergy.trainingStep(model, batch: training.batch, length: training.length, estimator: estimator)
            }
            self.training = (training.steps, training.batch, training.length, step)
        } else {
            self.training = nil
        }
    }

    var typeName: String { "estimate" }
    var sourceLabel: String { EnergyLabels.source(perToken.total.energy.source) }
    var trainingJoules: Double? { training.map { Double($0.steps) * $0.step.energy.joules } }

    func display(_ context: DisplayContext) -> String {
        let total = perToken.total
        func j(_ value: Double) -> String { joules(value).text(context) }
        var lines = ["estimate \(modelName): \(j(total.energy.joules)) per generated token at context \(self.context) [\(sourceLabel)]"]
        lines.append("  compute \(j(total.computeJoules)), memory \(j(total.memoryJoules)) "
            + "(\(EnergyLabels.percent(total.memoryFraction))): weights in \(total.weightTraffic.level.rawValue), "
            + "activations and cache in \(total.activationTraffic.level.rawValue) (caches \(caches))")
        let width = max(5, perToken.layers.map(\.name.count).max() ?? 0)
        for (name, estimate) in perToken.layers {
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  energy \(j(estimate.energy.joules)), "
                + "compute \(j(estimate.computeJoules)), memory \(j(estimate.memoryJoules))")
        }
        lines.append("  cache per sequence at context \(self.context): \(LabFormat.grouped(cacheValues)) values "
            + "(\(LabFormat.bytes(4 * cacheValues)) in f32)")
        if let training, let trainingJoules {
            lines.append("  training: \(LabFormat.grouped(training.steps)) steps × \(training.batch) sequences × \(training.length) tokens "
                + "= \(j(trainingJoules)) (\(j(training.step.energy.joules)) per step; forward + backward + AdamW)")
        }
        if !total.assumptions.isEmpty { lines.append("  assumptions: " + total.assumptions.joined(separator: "; ")) }
        return lines.flatMap { EnergyLabels.wrap($0, width: context.width, indent: "      ") }.joined(separator: "\n")
    }

    static let fields = ["model", "energy", "per_token", "compute", "memory", "memory_fraction", "context", "cache_values",
                         "parameters", "active_parameters", "training", "training_step", "parts", "profile", "source",
                         "assumptions"]
    var fieldNames: [String] { Self.fields }

    func field(_ name: String) -> Value? {
        let total = perToken.total
        switch name {
        case "model": return .string(modelName)
        case "energy", "per_token": return joules(total.energy.joules)
        case "compute": return joules(total.computeJoules)
        case "memory": return joules(total.memoryJoules)
        case "memory_fraction": return .number(total.memoryFraction)
        case "context": return .number(Double(context))
        case "cache_values": return .number(Double(cacheValues))
        case "parameters": return .number(Double(parameters))
        case "active_parameters": return .number(Double(activeParameters))
        case "training": return trainingJoules.map(joules) ?? .nilValue
        case "training_step": return training.map { joules($0.step.energy.joules) } ?? .nilValue
        case "parts":
            return LabTables.make(perToken.layers.map { name, estimate in
                Record([("part", .string(name)), ("energy", joules(estimate.energy.joules)),
                        ("compute", joules(estimate.computeJoules)), ("memory", joules(estimate.memoryJoules))])
            })
        case "profile": return .string(profile.name)
        case "source": return .string(sourceLabel)
        case "assumptions": return .list(total.assumptions.map { .string($0) })
        default: return nil
        }
    }

    /// One row of `estimate([a, b, …])`: {model, parameters, active, context, per_token, cache_values, training (when
    /// asked), source ("estimated, PROFILE")}.
    var row: Record {
        var record = Record([("model", .string(modelName)), ("parameters", .number(Double(parameters))),
                             ("active", .number(Double(activeParameters))), ("context", .number(Double(context))),
                             ("per_token", joules(perToken.total.energy.joules)), ("cache_values", .number(Double(cacheValues)))])
        if let trainingJoules { record["training"] = joules(trainingJoules) }
        record["source"] = .string("estimated, \(profile.name)")
        return record
    }
}

/// `summary(m)` of a sequence model: one row per part with its parameters, those a token uses, the operations of
/// generating one token at a context and the values it caches per sequence.
enum SequenceSummary {
    static let defaultContext = 256

    static func table(_ model: SequenceModel, context: Int) -> Value {
        let parts = SequenceEnergy.tokenParts(model, context: context)
        var rows: [Record] = []
        func row(_ part: String, _ kind: String, _ parameters: Int, _ active: Int, _ work: Work, _ cache: Int) {
            rows.append(Record([("part", .string(part)), ("kind", .string(kind)), ("parameters", .number(Double(parameters))),
                                ("active", .number(Double(active))),
                                ("ops_per_token", .number(EnergyLabels.operationCount(work))),
                                ("cache_values", .number(Double(cache)))]))
        }
        let table = model.vocabularySize * model.width
        row("embed", "embedding \(model.vocabularySize)×\(model.width)", table, model.width, parts[0].work, 0)
        var blockActive = 0
        for (index, block) in model.blocks.enumerated() {
            let active = block.norm.parameterCount
                + ((block.mixer as? any ActiveParameterCounting)?.activeParameterCount ?? block.mixer.parameterCount)
            blockActive += active
            row("\(index + 1)", block.mixer.description, block.parameterCount, active, parts[index + 1].work,
                block.mixer.cacheValues(context: context))
        }
        let headParameters = model.parameterCount - table - model.blocks.reduce(0) { $0 + $1.parameterCount }
        row("head", "rmsnorm + linear \(model.width)→\(model.vocabularySize)", headParameters,
            model.activeParameterCount - model.width - blockActive, parts[parts.count - 1].work, 0)
        row("total", "at context \(context)", model.parameterCount, model.activeParameterCount,
            model.tokenWork(context: context), model.cacheValues(context: context))
        return LabTables.make(rows)
    }
}
