import EffKernels

/// One layer of a model. Each kind is one type in its own file in this folder, holding everything about it:
/// its parameters and their shapes, inference forward (`callAsFunction`), training forward and backward, its
/// exact work per inference, its summary row and its entries in weight files. `LayerKind.all` lists the kinds.
///
/// Inference and training are separate paths: `callAsFunction` has no mode flag and keeps nothing; training
/// calls `trainingForward`, which returns what `backward` needs.
public protocol Layer: Sendable, CustomStringConvertible {
    /// The registry entry of this kind: name, fields with defaults, help, how to build and read one.
    static var kind: LayerKind { get }

    /// The width of the outputs for inputs of `inputWidth` (normalizations and dropout keep it).
    func outputWidth(inputWidth: Int) -> Int
    /// Why the layer cannot follow a layer of width `inputWidth`, or nil when it can. The text continues
    /// "model 'name', layer 3", e.g. ": layernorm of 8 features after a layer of width 4".
    func mismatch(inputWidth: Int) -> String?
    /// The kind and arguments that rebuild this layer with fresh weights (for `like()` and `Model.specs`).
    var spec: LayerSpec { get }
    /// Number of learnable values.
    var parameterCount: Int { get }

    /// Inference on a batch. // input (batch, inputWidth) → (batch, outputWidth)
    func callAsFunction(_ input: [Float], batch: Int) throws -> [Float]

    /// Training forward on a batch: the outputs and what `backward` needs (`saved`).
    func trainingForward(_ input: [Float], batch: Int, context: inout TrainingContext) throws
        -> (output: [Float], saved: [[Float]])
    /// Training backward: the gradient with respect to the input (empty when `needsInputGradient` is false) and
    /// the gradients of `parameters`, in that order. // gradient (batch, outputWidth); input (batch, inputWidth)
    func backward(_ gradient: [Float], input: [Float], saved: [[Float]], batch: Int, needsInputGradient: Bool)
        -> (input: [Float], parameters: [[Float]])
    /// The learnable tensors in a fixed order (what the optimizer updates).
    var parameters: [[Float]] { get }
    /// Whether weight decay applies to each of `parameters`.
    var decaysParameters: [Bool] { get }
    /// Takes new values for `parameters` (same order and sizes).
    mutating func setParameters(_ values: [[Float]])

    /// The exact arithmetic and memory traffic of inference on `batch` examples.
    func work(batch: Int) -> Work
    /// The layer's row in `summary` (`work` is its work for one example).
    func summaryRow(index: Int, inputWidth: Int, work: Work) -> ModelSummary.Row
    /// The weights as `weights()` lists them (shape, format, share of nonzero weights), or nil for none.
    var weightInfo: (shape: [Int], format: WeightFormat, nonzero: Double)? { get }

    /// PyTorch `nn.Sequential` modules this layer stands for (a dense layer with an activation is two).
    var moduleCount: Int { get }
    /// The tensors written to weight files, named `<module>.<suffix>`; empty for layers without parameters.
    var tensors: [LayerTensor] { get }
    /// Words after the kind's name in eff's `eff.layers` metadata (what `LayerKind.read` takes back).
    var metadataWords: [String] { get }
    /// The layer with its parameters taken from a file's `prefix.weight` and `prefix.bias` tensors (shapes checked).
    func loading(weight: NamedTensor, bias: NamedTensor?, prefix: String, layerIndex: Int, file: String) throws -> Self

    /// Equality across kinds (for `Model`'s `==`).
    func isEqual(to other: any Layer) -> Bool
}

extension Layer where Self: Equatable {
    public func isEqual(to other: any Layer) -> Bool { (other as? Self).map { $0 == self } ?? false }
}

extension Layer {
    /// A short description, e.g. `dense 64→128 relu` or `layernorm 128`.
    public var summary: String { description }
    /// Layers without parameters: nothing to train, save or load.
    public var parameters: [[Float]] { [] }
    public var decaysParameters: [Bool] { [] }
    public mutating func setParameters(_ values: [[Float]]) {}
    public var weightInfo: (shape: [Int], format: WeightFormat, nonzero: Double)? { nil }
    public var tensors: [LayerTensor] { [] }
    public func loading(weight: NamedTensor, bias: NamedTensor?, prefix: String, layerIndex: Int, file: String) throws -> Self {
        self
    }
    /// One PyTorch module.
    public var moduleCount: Int { 1 }
    /// The row of a layer that keeps the width and has no quantizable weights (normalizations, dropout): its
    /// parameters stored as f32.
    public func summaryRow(index: Int, inputWidth: Int, work: Work) -> ModelSummary.Row {
        ModelSummary.Row(index: index, kind: Self.kind.name, inputs: inputWidth, outputs: inputWidth, activation: "none",
                         format: nil, parameters: parameterCount, nonzeroParameters: parameterCount,
                         bytes: 4 * parameterCount, work: work)
    }
}

/// One tensor a layer writes to weight files: `<module>.<suffix>` with its shape.
public struct LayerTensor: Sendable {
    public var suffix: String
    public var shape: [Int]
    public var values: [Float]
}

/// What a training pass shares across layers: the random stream (dropout) and the QAT format.
public struct TrainingContext {
    /// Random numbers for dropout masks, in layer order.
    public var random: RandomGenerator
    /// Training with quantization: dense weights are rounded to this format in the forward pass.
    public var quantizedFormat: WeightFormat?
}

/// A value given for a layer field: a number or a name (`relu`).
public enum LayerArgument: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case name(String)

    public var description: String {
        switch self {
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .name(let name): return "\"\(name)\""
        }
    }
}

/// A layer before its weights exist: its kind's name and the arguments given for its fields.
public struct LayerSpec: Sendable, Equatable {
    /// The kind's name, as in `LayerKind.name`.
    public var kind: String
    /// Field values by field name (fields left out take their defaults).
    public var arguments: [String: LayerArgument]

    public init(kind: String, arguments: [String: LayerArgument] = [:]) {
        self.kind = kind
        self.arguments = arguments
    }
}

/// A layer spec's arguments while a kind builds a layer: typed access with the kind's defaults and messages
/// that name the field.
public struct LayerArguments {
    /// The kind's name (for messages) and its fields (for defaults): a `LayerKind`'s or a `BlockKind`'s.
    let kind: (name: String, fields: [LayerKind.Field])
    let values: [String: LayerArgument]

    init(kind: LayerKind, values: [String: LayerArgument]) {
        self.kind = (kind.name, kind.fields)
        self.values = values
    }

    init(name: String, fields: [LayerKind.Field], values: [String: LayerArgument]) {
        self.kind = (name, fields)
        self.values = values
    }

    /// The value given for `field`, or its default.
    public func value(_ field: String) -> LayerArgument? {
        values[field] ?? kind.fields.first { $0.name == field }?.defaultValue
    }

    /// A whole number in `range`, or an error "KIND needs 'FIELD', a whole number in …".
    public func integer(_ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard case .number(let number)? = value(field), number == number.rounded(), number >= Double(range.lowerBound),
              number <= Double(range.upperBound) else {
            throw ModelsError(.model, "\(kind.name) needs '\(field)', a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return Int(number)
    }

    /// A number in the half-open `range`, or an error "KIND needs 'FIELD', a number in [a, b)".
    public func number(_ field: String, in range: Range<Double>) throws -> Double {
        guard case .number(let number)? = value(field), range.contains(number) else {
            throw ModelsError(.model, "\(kind.name) needs '\(field)', a number in [\(LayerArgument.number(range.lowerBound)), "
                + "\(LayerArgument.number(range.upperBound)))")
        }
        return number
    }

    /// A name such as `relu`, or an error "'FIELD' must be a string such as "EXAMPLE"".
    public func name(_ field: String, example: String) throws -> String? {
        switch value(field) {
        case nil: return nil
        case .name(let text)?: return text
        case .number?: throw ModelsError(.model, "'\(field)' must be a string such as \"\(example)\"")
        }
    }
}
