import EffLanguage
import EffModels

/// Builds a sequence model from the layers of `model(input:, layers:)` when the first is `embed WIDTH`:
///
///     model tiny {                        model(name: "tiny", input: 96, layers: [
///       input 96                            {kind: "embed", arguments: [64]},
///       embed 64                   →        {kind: "block", block: "attention", fields: {heads: 4}},
///       block attention(heads: 4)           {kind: "head", arguments: []}])
///       head
///     }
///
/// Block kinds and their fields come from `BlockKind.all` (EffModels), so a new kind needs no change here.
/// `model(layers: …)` may also give a block as `{kind: "attention", heads: 4}` and embed as `{kind: "embed", width: 64}`.
enum SequenceModelBuilder {
    /// Whether `layers` declare a sequence model (their first is `embed`).
    static func declaresSequenceModel(_ layers: [Value]) -> Bool {
        guard case .record(let first)? = layers.first, case .string(let kind)? = first["kind"] else { return false }
        return kind.lowercased() == "embed"
    }

    /// Whether a layer record is one only sequence models have (embed, block, head or a block kind).
    static func isSequenceLayer(_ value: Value) -> Bool {
        guard case .record(let record) = value, case .string(let kind)? = record["kind"] else { return false }
        return ["embed", "block", "head"].contains(kind.lowercased()) || BlockKind.named(kind) != nil
    }

    /// The error for a sequence layer in an MLP (no `embed` first).
    static func missingEmbed(_ layers: [Value]) -> RuntimeError? {
        guard let index = layers.firstIndex(where: isSequenceLayer) else { return nil }
        return RuntimeError("a sequence model starts with 'embed WIDTH' (after 'input VOCABULARY')", argument: "layers",
                            element: index, hint: "e.g. model m { input 96; embed 64; block attention(heads: 4); head }")
    }

    static func build(name: String, vocabulary: Int, layers: [Value], seed: UInt64) throws -> SequenceModel {
        let width = try embedWidth(layers[0])
        guard layers.count >= 2 else { throw RuntimeError("sequence model '\(name)' has no blocks and no 'head'", argument: "layers") }
        var specs: [LayerSpec] = []
        var scratch = RandomGenerator(seed: 0)
        for index in 1..<layers.count {
            let value = layers[index]
            let kind = kindName(value)
            if kind == "head" {
                guard index == layers.count - 1 else {
                    throw RuntimeError("'head' must be the last line of a sequence model", argument: "layers", element: index)
                }
                if case .record(let record) = value, case .list(let given)? = record["arguments"], !given.isEmpty {
                    throw RuntimeError("'head' takes no arguments (it maps the width back to the vocabulary)", argument: "layers",
                                       element: index)
                }
                continue
            }
            if kind == "embed" {
                throw RuntimeError("'embed' must come once, first (after 'input')", argument: "layers", element: index)
            }
            let spec = try blockSpec(value, index: index)
            // Built once here so a bad field is reported at its own line (the weights are thrown away).
            do {
                _ = try BlockKind.named(spec.kind)!.mixer(spec.arguments, width: width, random: &scratch)
            } catch let error as ModelsError {
                let message = error.message.hasPrefix(spec.kind) ? error.message : "block \(spec.kind): \(error.message)"
                throw RuntimeError(message, argument: "layers", element: index)
            }
            specs.append(spec)
        }
        guard kindName(layers[layers.count - 1]) == "head" else {
            throw RuntimeError("a sequence model ends with 'head' (the output layer over the vocabulary)", argument: "layers",
                               element: layers.count - 1)
        }
        guard !specs.isEmpty else {
            throw RuntimeError("sequence model '\(name)' needs at least one block, e.g. block attention(heads: 4)", argument: "layers")
        }
        return try LabModelBuiltins.passingErrors("model", argument: "input") {
            try SequenceModel(name: name, vocabularySize: vocabulary, width: width, blocks: specs, seed: seed)
        }
    }

    private static func kindName(_ value: Value) -> String {
        guard case .record(let record) = value, case .string(let kind)? = record["kind"] else { return "" }
        return kind.lowercased()
    }

    /// `embed WIDTH` (`{kind: "embed", arguments: [64]}`) or `{kind: "embed", width: 64}`.
    private static func embedWidth(_ value: Value) throws -> Int {
        guard case .record(let record) = value else { return 0 }
        var given: Value?
        if case .list(let arguments)? = record["arguments"] {
            guard arguments.count == 1 else {
                throw RuntimeError("'embed' takes one number, the embedding width", argument: "layers", element: 0)
            }
            given = arguments[0]
        } else {
            given = record["width"]
        }
        guard case .number(let width)? = given, width == width.rounded(), width >= 2, width <= 65536 else {
            throw RuntimeError("'embed' takes the embedding width, a whole number in 2…65536, got \(given?.display() ?? "nothing")",
                               argument: "layers", element: 0)
        }
        return Int(width)
    }

    /// A block line as a spec: `{kind: "block", block: KIND, fields: {…}}` or `{kind: KIND, field: value, …}`.
    static func blockSpec(_ value: Value, index: Int) throws -> LayerSpec {
        let kinds = BlockKind.all.map(\.name)
        guard case .record(let record) = value, case .string(var kindText)? = record["kind"] else {
            throw RuntimeError("a sequence model's layers are 'block KIND(…)' lines, e.g. \(BlockKind.all[0].example)",
                               argument: "layers", element: index)
        }
        var fields: [(name: String, value: Value)]
        if kindText.lowercased() == "block", case .string(let name)? = record["block"] {
            kindText = name
            guard case .record(let given)? = record["fields"] else { throw RuntimeError("block \(name): no fields", argument: "layers", element: index) }
            fields = given.fields
        } else if record["arguments"] != nil {
            throw RuntimeError("'\(kindText)' is not a sequence-model line; write block KIND(field: value, …) "
                + "with a kind among: \(kinds.joined(separator: ", "))", argument: "layers", element: index)
        } else {
            fields = record.fields.filter { $0.name != "kind" }
        }
        guard let kind = BlockKind.named(kindText) else {
            throw RuntimeError("unknown block kind '\(kindText)'; the kinds are: \(kinds.joined(separator: ", "))",
                               argument: "layers", element: index,
                               hint: Suggestions.hint(for: kindText, among: kinds, listing: false))
        }
        var arguments: [String: LayerArgument] = [:]
        for (field, fieldValue) in fields {
            guard kind.fields.contains(where: { $0.name == field }) else {
                throw RuntimeError("a \(kind.name) block has no field '\(field)' (fields: "
                    + kind.fields.map(\.name).joined(separator: ", ") + ")", argument: "layers", element: index,
                    hint: Suggestions.hint(for: field, among: kind.fields.map(\.name), listing: false))
            }
            arguments[field] = try ModelBuiltins.layerArgument(fieldValue, place: "block \(kind.name)", field: field, index: index)
        }
        return LayerSpec(kind: kind.name, arguments: arguments)
    }
}
