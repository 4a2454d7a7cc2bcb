import EffKernels
import EffLanguage
import EffModels

/// Training builtins: `train` (in place, optionally quantization-aware) and `distill`.
enum TrainBuiltins {
    static let list: [Builtin] = [trainBuiltin, distillBuiltin]

    /// The parameters `train` and `distill` share, with their defaults.
    static let optionParameters: [Builtin.Parameter] = [
        .optional("epochs", .number(30)), .optional("batch", .number(32)), .optional("lr", .number(0.001)),
        .optional("optimizer", .string("adam")), .optional("momentum", .number(0.9)),
        .optional("weight_decay", .number(0)), .optional("schedule", .string("constant")),
        .optional("seed", .number(42)), .optional("quantized"), .optional("validation"),
    ]

    static let optimizers = ["adam", "sgd"]
    static let schedules = ["constant", "cosine", "step"]

    static let trainBuiltin = Builtin(
        "train", [.required("model"), .required("data")] + optionParameters + SequenceTrainBuiltins.parameters, category: "models",
        summary: "Trains a model in place (softmax cross-entropy, mini-batches) and returns its history {epoch, loss, accuracy}; "
            + "quantized: \"int8\"/\"int4\"/\"ternary\"/\"binary\" trains aware of that format and leaves the model in it; a pruned model keeps its zeros and its sparse format. "
            + "A sequence model trains on token data for `steps` (default 300; or as many as an estimated energy `budget` buys) of `batch` "
            + "(16) windows of `length` (64) tokens with AdamW (lr 0.003, weight_decay 0.1, warmup min(20, steps/10), cosine decay, clip 1) "
            + "and returns its history (held-out perplexity, tokens/s).",
        example: "let m = mlp([4, 16, 3])\ntrain(m, dataset(\"iris\"), epochs: 10, lr: 0.01)"
    ) { arguments in
        if case .object(let sequence as SequenceModelValue) = arguments.value("model") {
            return try SequenceTrainBuiltins.train(sequence, arguments)
        }
        for name in ["steps", "length", "warmup", "clip", "budget"] where arguments.isGiven(name) {
            throw RuntimeError("train: '\(name)' is for sequence models; an MLP trains for epochs:", argument: name)
        }
        let model = try arguments.model("train", "model")
        let data = try arguments.dataset("train", "data")
        let options = try trainingOptions(arguments, function: "train")
        let history = try run("train", epochs: options.epochs, ascii: arguments.displayContext.asciiOnly) { progress in
            try model.model.train(on: data.dataset, options: options, progress: progress)
        }
        model.history = history
        return LabTables.make(ModelValue.historyRecords(history))
    }

    static let distillBuiltin = Builtin(
        "distill", [.required("teacher"), .required("student"), .required("data"), .optional("temperature", .number(4)),
                    .optional("alpha", .number(0.9))] + optionParameters, category: "models",
        summary: "Trains the student in place to imitate the teacher's softened outputs (temperature) mixed with the labels "
            + "(alpha: weight of the teacher) and returns the student.",
        example: "let data = dataset(\"iris\")\nlet teacher = mlp([4, 32, 3])\ntrain(teacher, data, epochs: 10);\n"
            + "distill(teacher, mlp([4, 8, 3]), data, epochs: 10)"
    ) { arguments in
        let teacher = try arguments.model("distill", "teacher")
        let student = try arguments.model("distill", "student")
        let data = try arguments.dataset("distill", "data")
        let temperature = try arguments.number("distill", "temperature", in: 0.01...1000)
        let alpha = try arguments.number("distill", "alpha", in: 0...1)
        let options = try trainingOptions(arguments, function: "distill")
        let result = try run("distill", epochs: options.epochs, ascii: arguments.displayContext.asciiOnly) { progress in
            try Model.distill(teacher: teacher.model, into: student.model, data: data.dataset, temperature: temperature,
                              alpha: alpha, options: options, progress: progress)
        }
        student.model = result.model
        student.history = result.history
        return .object(student)
    }

    /// The training options from the shared parameters, checked with the argument named in errors.
    static func trainingOptions(_ arguments: Arguments, function: String) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = try arguments.integer(function, "epochs", in: 1...100_000)
        options.batchSize = try arguments.integer(function, "batch", in: 1...1_000_000)
        options.learningRate = try arguments.number(function, "lr", in: 1e-12...100)
        options.weightDecay = try arguments.number(function, "weight_decay", in: 0...100)
        options.seed = try arguments.seed(function)
        switch try arguments.choice(function, "optimizer", among: optimizers) {
        case "sgd": options.optimizer = .sgd(momentum: try arguments.number(function, "momentum", in: 0...0.999999))
        default: options.optimizer = .adam
        }
        switch try arguments.choice(function, "schedule", among: schedules) {
        case "cosine": options.schedule = .cosine(minimum: 0)
        // Three equal stages, each at a tenth of the previous rate.
        case "step": options.schedule = .step(every: max(1, (options.epochs + 2) / 3), factor: 0.1)
        default: options.schedule = .constant
        }
        if arguments.isGiven("quantized") {
            options.quantizedFormat = try arguments.weightFormat(function, "quantized")
        }
        if arguments.isGiven("validation") {
            options.validation = try arguments.dataset(function, "validation").dataset
        }
        return options
    }

    /// Runs a training loop with a terminal progress bar and Ctrl-C handling; library errors are reworded.
    /// Training stops after the epoch in which Ctrl-C was pressed (`Interpreter.interruptRequested`), keeping
    /// the finished epochs' weights, and the call fails with "interrupted".
    static func run<T>(_ function: String, epochs: Int, ascii: Bool, _ body: (@escaping TrainingProgress) throws -> T) throws -> T {
        let bar = ProgressBar.forStandardError(label: function, ascii: ascii)
        bar?.start(epochs: epochs)
        var interrupted = false
        let progress: TrainingProgress = { epoch in
            bar?.update(epoch)
            if Interpreter.interruptRequested {
                interrupted = true
                return false
            }
            return true
        }
        let result = try LabModelBuiltins.passingErrors(function) {
            defer { bar?.finish() }
            return try body(progress)
        }
        if interrupted {
            Interpreter.interruptRequested = false
            throw RuntimeError("\(function): interrupted (the model keeps the epochs that finished)")
        }
        return result
    }
}
