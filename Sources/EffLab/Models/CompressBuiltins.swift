import EffKernels
import EffLanguage
import EffLLM
import EffModels

/// Compression builtins: post-training quantization, pruning and low-rank factorization. Each returns a
/// new model and leaves its argument unchanged.
enum CompressBuiltins {
    static let list: [Builtin] = [quantizeBuiltin, pruneBuiltin, lowrankBuiltin]

    static let quantizeBuiltin = Builtin(
        "quantize", [.required("model"), .required("format"), .optional("name"), .optional("embedding", .bool(false))],
        category: "models",
        summary: "A copy with every dense layer's weights rounded to a format: "
            + WeightFormat.allCases.map(\.rawValue).joined(separator: ", ") + " (post-training; biases stay f32); named \"<name>.<format>\" unless `name` is given. "
            + "A language model (from load) is re-quantized matrix by matrix to "
            + LLMWeightFormat.all.map(\.name).joined(separator: ", ")
            + "; its token embedding and output head stay as they are unless embedding: true.",
        example: "quantize(mlp([64, 128, 10]), \"int8\")"
    ) { arguments in
        if case .object(let object) = arguments.value("model"), let lm = object as? LanguageModelValue {
            return try quantizeLanguageModel(lm.model, arguments)
        }
        let model = try arguments.model("quantize", "model").model
        let format = try arguments.weightFormat("quantize", "format")
        if try arguments.bool("embedding") {
            throw RuntimeError("quantize: 'embedding' is an option for language models; this model's layers are all quantized",
                               argument: "embedding")
        }
        return try named(arguments, try LabModelBuiltins.passingErrors("quantize", argument: "format") {
            try model.quantized(format)
        })
    }

    /// `quantize(lm, "int4", embedding: true)`: the language model re-quantized (see `LanguageModel.quantized`).
    private static func quantizeLanguageModel(_ model: LanguageModel, _ arguments: Arguments) throws -> Value {
        let formatName = try arguments.string("format")
        let embedding = try arguments.bool("embedding")
        let name = arguments.isGiven("name") ? try arguments.string("name") : nil
        let format = try LanguageModelBuiltins.passing("quantize", argument: "format") { try LLMWeightFormat.named(formatName) }
        return .object(LanguageModelValue(try LanguageModelBuiltins.passing("quantize", argument: "format") {
            try model.quantized(to: format, includeEmbedding: embedding, name: name)
        }))
    }

    static let pruneBuiltin = Builtin(
        "prune", [.required("model"), .optional("sparsity", .number(0.5)), .optional("structure", .string("unstructured")),
                  .optional("name")],
        category: "models",
        summary: "A copy with the smallest weights removed: structure \"unstructured\", \"2:4\" (sparsity 0.5) or "
            + "\"neurons\" (whole hidden units; the model gets smaller). A language model (from load) has every attention "
            + "and FFN matrix pruned (unstructured or 2:4) and stored as sparse_csr or sparse_2of4; its embedding and "
            + "output head stay as they are.",
        example: "prune(mlp([64, 128, 10]), sparsity: 0.5, structure: \"2:4\")"
    ) { arguments in
        let sparsity = try arguments.number("prune", "sparsity", in: 0...0.999999)
        let structureName = try arguments.string("structure")
        let structure = try LabModelBuiltins.passingErrors("prune", argument: "structure") {
            try SparsityStructure.named(structureName)
        }
        if case .object(let object) = arguments.value("model"), let lm = object as? LanguageModelValue {
            let name = arguments.isGiven("name") ? try arguments.string("name") : nil
            let argument = structure == .unstructured ? "sparsity" : "structure"
            return .object(LanguageModelValue(try LanguageModelBuiltins.passing("prune", argument: argument) {
                try lm.model.pruned(sparsity: sparsity, structure: structure, name: name)
            }))
        }
        let model = try arguments.model("prune", "model").model
        return try named(arguments, try LabModelBuiltins.passingErrors("prune", argument: "sparsity") {
            try model.pruned(sparsity: sparsity, structure: structure)
        })
    }

    static let lowrankBuiltin = Builtin(
        "lowrank", [.required("model"), .optional("rank", .number(16)), .optional("name")], category: "models",
        summary: "A copy where each dense layer wider than the rank becomes two thin layers (truncated SVD).",
        example: "lowrank(mlp([64, 128, 10]), rank: 16)"
    ) { arguments in
        let model = try arguments.model("lowrank", "model").model
        let rank = try arguments.integer("lowrank", "rank", in: 1...Model.maximumWidth)
        return try named(arguments, try LabModelBuiltins.passingErrors("lowrank", argument: "rank") {
            try model.lowRank(rank)
        })
    }

    /// The new model as a value, renamed when the call gave `name:` (else the library's name, e.g. "m.int8").
    private static func named(_ arguments: Arguments, _ model: Model) throws -> Value {
        var model = model
        if arguments.isGiven("name") { model.name = try arguments.string("name") }
        return .object(ModelValue(model))
    }
}
