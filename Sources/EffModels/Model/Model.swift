import EffKernels
import Foundation

/// A feed-forward classifier: a sequence of layers mapping `inputCount` features to class logits.
///
///     var model = try Model.mlp([64, 128, 10], seed: 42)   // dense 64→128 relu, dense 128→10
///     let history = try Trainer(options).train(&model, on: train)
///     let result = try model.evaluate(on: test)
public struct Model: Sendable, Equatable {
    /// The widest layer accepted (inputs or units), so absurd sizes are errors rather than huge allocations.
    public static let maximumWidth = 1 << 24
    /// The most weights one dense layer may have (2^28 f32 = 1 GiB).
    public static let maximumLayerWeights = 1 << 28

    /// A display name (e.g. the `model` block's name in eff).
    public var name: String
    /// Number of input features.
    public let inputCount: Int
    /// The layers, applied in order (one type per kind, see Layers/).
    public internal(set) var layers: [any Layer]
    /// Class names for the outputs, when known (e.g. from the training data).
    public var classNames: [String]?

    /// Creates a model from explicit layers, checking that widths chain.
    public init(name: String = "model", inputCount: Int, layers: [any Layer], classNames: [String]? = nil) throws {
        guard inputCount > 0, inputCount <= Model.maximumWidth else {
            throw ModelsError(.model, "model '\(name)': input width must be in 1…\(Model.maximumWidth), got \(inputCount)")
        }
        var width = inputCount
        for (index, layer) in layers.enumerated() {
            if let mismatch = layer.mismatch(inputWidth: width) {
                throw ModelsError(.model, "model '\(name)', layer \(index)" + mismatch)
            }
            width = layer.outputWidth(inputWidth: width)
        }
        guard layers.contains(where: { $0 is DenseLayer }) else {
            throw ModelsError(.model, "model '\(name)' has no \(DenseLayer.kind.name) layer")
        }
        self.name = name
        self.inputCount = inputCount
        self.layers = layers
        self.classNames = classNames
    }

    /// Builds a model from specs with freshly initialized weights (each kind's own initialization, drawn in
    /// layer order from one random stream: the same seed gives the same weights bit for bit).
    public init(name: String = "model", inputCount: Int, specs: [LayerSpec], seed: UInt64) throws {
        var random = RandomGenerator(seed: seed)
        var width = inputCount
        var layers: [any Layer] = []
        guard inputCount > 0, inputCount <= Model.maximumWidth else {
            throw ModelsError(.model, "model '\(name)': input width must be in 1…\(Model.maximumWidth), got \(inputCount)")
        }
        for (index, spec) in specs.enumerated() {
            do {
                guard let kind = LayerKind.named(spec.kind) else {
                    throw ModelsError(.model, "unknown layer kind '\(spec.kind)'; choose one of: "
                        + LayerKind.all.map(\.name).joined(separator: ", "))
                }
                let layer = try kind.layer(spec.arguments, inputWidth: width, random: &random)
                layers.append(layer)
                width = layer.outputWidth(inputWidth: width)
            } catch let error as ModelsError {
                throw ModelsError(.model, "model '\(name)', layer \(index): \(error.message)")
            }
        }
        try self.init(name: name, inputCount: inputCount, layers: layers)
    }

    /// The shorthand `mlp([64, 256, 10])`: dense layers between the given widths, `activation` after every
    /// layer but the last (which outputs logits).
    public static func mlp(_ widths: [Int], activation: Activation = .relu, seed: UInt64,
                           name: String = "mlp") throws -> Model {
        guard widths.count >= 2 else {
            throw ModelsError(.model, "mlp needs at least an input and an output width, got \(widths)")
        }
        let specs = widths.dropFirst().enumerated().map { index, units in
            LayerSpec.dense(units: units, activation: index == widths.count - 2 ? .none : activation)
        }
        return try Model(name: name, inputCount: widths[0], specs: specs, seed: seed)
    }

    /// The layer specs this model was built from (with current activations), for building a twin.
    public var specs: [LayerSpec] { layers.map(\.spec) }

    /// Number of outputs (classes): the last layer's output width.
    public var outputCount: Int {
        layers.reduce(inputCount) { width, layer in layer.outputWidth(inputWidth: width) }
    }

    /// The width of the inputs each layer receives, in order.
    public var layerInputWidths: [Int] {
        var width = inputCount
        return layers.map { layer in
            defer { width = layer.outputWidth(inputWidth: width) }
            return width
        }
    }

    /// Number of learnable values in all layers.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The dense layers with their positions in `layers`.
    public var denseLayers: [(index: Int, layer: DenseLayer)] {
        layers.enumerated().compactMap { index, layer in (layer as? DenseLayer).map { (index, $0) } }
    }

    /// Replaces the dense layer at `index` (which must hold a dense layer of the same shape).
    mutating func replaceDense(at index: Int, with dense: DenseLayer) {
        layers[index] = dense
    }

    public static func == (lhs: Model, rhs: Model) -> Bool {
        lhs.name == rhs.name && lhs.inputCount == rhs.inputCount && lhs.classNames == rhs.classNames
            && lhs.layers.count == rhs.layers.count
            && zip(lhs.layers, rhs.layers).allSatisfy { $0.isEqual(to: $1) }
    }
}

extension Model: CustomStringConvertible {
    /// A one-line summary, e.g. `model mlp: 64 → dense 128 relu → dense 10, 9,610 parameters, f32`.
    public var description: String {
        let formats = Set(denseLayers.map { $0.layer.format.rawValue }).sorted().joined(separator: "/")
        return "model \(name): \(inputCount) → " + layers.map(\.description).joined(separator: " → ")
            + ", \(parameterCount) parameters, \(formats)"
    }
}
