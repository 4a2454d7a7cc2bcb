/// A kind of layer as users declare it: the single list that the `model { }` block and the `model()` builtin
/// (through EffLab), `summary`, `save`/`load`, `estimate` and the docs read.
///
///     model m {             // each line: a kind's name, then its fields in order
///       input 64
///       dense 128, relu
///       rmsnorm
///     }
public struct LayerKind: Sendable {
    /// One field of a layer declaration.
    public struct Field: Sendable {
        public let name: String
        /// The value when left out; nil means required.
        public let defaultValue: LayerArgument?
        /// What it means, in a few words.
        public let help: String

        public init(_ name: String, default defaultValue: LayerArgument? = nil, help: String) {
            self.name = name
            self.defaultValue = defaultValue
            self.help = help
        }
    }

    /// The name written in `model { }` blocks, records (`{kind: …}`) and weight-file metadata.
    public let name: String
    /// The fields, in the order a `model { }` line gives them.
    public let fields: [Field]
    /// One line: what the layer does.
    public let help: String
    /// A record that declares one, e.g. `{kind: "dense", units: 10}`.
    public let example: String
    /// Builds a layer that follows one of width `inputWidth`, drawing initial weights from `random`.
    let make: @Sendable (_ arguments: LayerArguments, _ inputWidth: Int, _ random: inout RandomGenerator) throws -> any Layer
    /// Rebuilds a layer (zero weights) from its `metadataWords`; nil when they do not describe one.
    let read: @Sendable (_ words: [String], _ inputWidth: Int) throws -> (any Layer)?

    public init(name: String, fields: [Field], help: String, example: String,
                make: @escaping @Sendable (LayerArguments, Int, inout RandomGenerator) throws -> any Layer,
                read: @escaping @Sendable ([String], Int) throws -> (any Layer)?) {
        self.name = name
        self.fields = fields
        self.help = help
        self.example = example
        self.make = make
        self.read = read
    }

    /// Every layer kind, in the order help and docs list them. Adding a kind: a file in Layers/ and a line here.
    public static let all: [LayerKind] = [
        DenseLayer.kind,
        LayerNormLayer.kind,
        DropoutLayer.kind,
        RMSNormLayer.kind,
    ]

    /// The kind called `name` (case-insensitive), or nil.
    public static func named(_ name: String) -> LayerKind? {
        let lowered = name.lowercased()
        return all.first { $0.name == lowered }
    }

    /// A layer of this kind from spec arguments (unknown fields are errors), after a layer of width `inputWidth`.
    public func layer(_ arguments: [String: LayerArgument], inputWidth: Int, random: inout RandomGenerator) throws -> any Layer {
        if let extra = arguments.keys.sorted().first(where: { field in !fields.contains { $0.name == field } }) {
            throw ModelsError(.model, "a \(name) layer has no field '\(extra)' (fields: "
                + (["kind"] + fields.map(\.name)).joined(separator: ", ") + ")")
        }
        return try make(LayerArguments(kind: self, values: arguments), inputWidth, &random)
    }

    /// The kind with its fields as a `model { }` line, optional ones in brackets: `dense units, [activation]`.
    public var synopsis: String {
        let parts = fields.map { $0.defaultValue == nil ? $0.name : "[\($0.name)]" }
        return parts.isEmpty ? name : name + " " + parts.joined(separator: ", ")
    }
}
