import EffEnergy
import EffLanguage
import EffModels

/// `train(m, data, steps:, batch:, length:, lr:, warmup:, clip:, weight_decay:, seed:, budget:)` for a sequence model:
/// AdamW with warm-up and cosine decay on random windows of the training tokens, the held-out part evaluated every
/// 100 steps and at the end. Trains `m` in place and returns the run's history (also `m.history`).
enum SequenceTrainBuiltins {
    /// The parameters only sequence models take (added to `train`'s signature; nil means the library's default).
    static let parameters: [Builtin.Parameter] = [.optional("steps"), .optional("length"), .optional("warmup"),
                                                  .optional("clip"), .optional("budget")]

    static func train(_ model: SequenceModelValue, _ arguments: Arguments) throws -> Value {
        let function = "train"
        let data = try SequenceBuiltins.tokenData(arguments.value("data"), function: function, argument: "data")
        for name in ["epochs", "optimizer", "momentum", "schedule", "quantized", "validation"] where arguments.isPassed(name) {
            throw RuntimeError("train: '\(name)' is for MLPs; a sequence model trains for steps: with AdamW",
                               hint: "e.g. train(m, data, steps: 300, lr: 0.003)", argument: name)
        }
        var options = SequenceTrainingOptions()
        if arguments.isPassed("batch") { options.batch = try arguments.integer(function, "batch", in: 1...4096) }
        if arguments.isPassed("length") { options.length = try arguments.integer(function, "length", in: 1...SequenceModel.maximumLength) }
        if arguments.isPassed("lr") { options.learningRate = try arguments.number(function, "lr", in: 1e-9...9.99) }
        if arguments.isPassed("weight_decay") { options.weightDecay = try arguments.number(function, "weight_decay", in: 0...0.999) }
        if arguments.isPassed("clip") { options.clip = try arguments.number(function, "clip", in: 0...1e9) }
        if arguments.isPassed("seed") { options.seed = try arguments.seed(function) }
        var budget: (joules: Double, perStep: Double)?
        if arguments.isPassed("budget") {
            if arguments.isPassed("steps") {
                throw RuntimeError("train: give steps: or budget:, not both (budget: sets the steps)", argument: "budget")
            }
            let joules = try energy(arguments, "budget")
            let profile = try SessionProfiles.resolve(.nilValue, function: function)
            let step = try SequenceEnergy.pricing(function) {
                try SequenceEnergy.trainingStep(model.model, batch: options.batch, length: options.length,
                                                estimator: EnergyEstimator(profile: profile))
            }
            let steps = Int((joules / step.energy.joules).rounded(.down))
            guard steps >= 1 else {
                throw RuntimeError("train: a budget of \(EffLab.joules(joules).text()) buys no step: one step of \(options.batch) × "
                    + "\(options.length) tokens is estimated at \(EffLab.joules(step.energy.joules).text())", argument: "budget")
            }
            options.steps = min(steps, 10_000_000)
            budget = (joules, step.energy.joules)
        } else if arguments.isPassed("steps") {
            options.steps = try arguments.integer(function, "steps", in: 1...10_000_000)
        }
        options.warmup = arguments.isPassed("warmup") ? try arguments.integer(function, "warmup", in: 0...10_000_000)
            : min(options.warmup, options.steps / 10)
        let bar = ProgressBar.forStandardError(label: function, ascii: arguments.displayContext.asciiOnly)
        bar?.start(epochs: options.steps, unit: "step")
        var interrupted = false
        var trained = model.model
        let history: SequenceTrainingHistory
        do {
            defer {
                bar?.finish()
                model.model = trained   // Ctrl-C or a failing step: the model keeps the steps that finished
            }
            history = try LabModelBuiltins.passingErrors(function) {
                try trained.train(on: data.train, heldOut: data.heldOut, options: options) { step in
                    bar?.update(done: step.step, of: step.steps, unit: "step", elapsed: step.elapsed,
                                detail: "loss \(LabFormat.fixed(step.loss, digits: 3))  "
                                    + "\(LabFormat.grouped(Int(step.tokensPerSecond.rounded()))) tokens/s")
                    if Interpreter.interruptRequested {
                        interrupted = true
                        return false
                    }
                    return true
                }
            }
        }
        let unigram = data.heldOut.map { data.train.unigramPerplexity(on: $0) }
        let value = SequenceHistoryValue(history: history, options: options, modelName: model.model.name, unigram: unigram,
                                         budget: budget)
        model.history = value
        if interrupted {
            Interpreter.interruptRequested = false
            throw RuntimeError("train: interrupted (the model keeps the \(history.steps.count) steps that finished; see m.history)")
        }
        return .object(value)
    }

    /// An energy argument (`5 J`, `20 mJ`) in joules, positive and finite.
    static func energy(_ arguments: Arguments, _ name: String) throws -> Double {
        guard case .quantity(let quantity) = arguments.value(name), quantity.dimension == .energy,
              quantity.value.isFinite, quantity.value > 0 else {
            throw RuntimeError("train: '\(name)' must be a positive energy such as 5 J, got \(arguments.value(name).display())",
                               argument: name)
        }
        return quantity.value
    }
}

