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
    /// The layers, applied in order.
    public internal(set) var layers: [Layer]
    /// Class names for the outputs, when known (e.g. from the training data).
    public var classNames: [String]?

    /// Creates a model from explicit layers, checking that widths chain.
    public init(name: String = "model", inputCount: Int, layers: [Layer], classNames: [String]? = nil) throws {
        guard inputCount > 0, inputCount <= Model.maximumWidth else {
            throw ModelsError(.model, "model '\(name)': input width must be in 1…\(Model.maximumWidth), got \(inputCount)")
        }
        var width = inputCount
        for (index, layer) in layers.enumerated() {
            switch layer {
            case .dense(let dense):
                guard dense.inputCount == width else {
                    throw ModelsError(.model, "model '\(name)', layer \(index) (\(layer.summary)): expects \(dense.inputCount) "
                        + "inputs but receives \(width)")
                }
                width = dense.outputCount
            case .layerNorm(let norm):
                guard norm.featureCount == width else {
                    throw ModelsError(.model, "model '\(name)', layer \(index): layernorm of \(norm.featureCount) "
                        + "features after a layer of width \(width)")
                }
            case .dropout(let rate):
                guard rate >= 0, rate < 1 else {
                    throw ModelsError(.model, "model '\(name)', layer \(index): dropout rate must be in [0, 1), got \(rate)")
                }
            }
        }
        guard layers.contains(where: { if case .dense = $0 { return true } else { return false } }) else {
            throw ModelsError(.model, "model '\(name)' has no dense layer")
        }
        self.name = name
        self.inputCount = inputCount
        self.layers = layers
        self.classNames = classNames
    }

    /// Builds a model from specs with freshly initialized weights.
    ///
    /// Weights are uniform in ±√(6/inputs) (He) before relu/gelu and ±√(6/(inputs+outputs)) (Glorot)
    /// otherwise; biases start at zero. The same seed gives the same weights bit for bit.
    public init(name: String = "model", inputCount: Int, specs: [LayerSpec], seed: UInt64) throws {
        var random = RandomGenerator(seed: seed)
        var width = inputCount
        var layers: [Layer] = []
        guard inputCount > 0, inputCount <= Model.maximumWidth else {
            throw ModelsError(.model, "model '\(name)': input width must be in 1…\(Model.maximumWidth), got \(inputCount)")
        }
        for (index, spec) in specs.enumerated() {
            switch spec {
            case .dense(let units, let activation):
                guard units > 0, units <= Model.maximumWidth else {
                    throw ModelsError(.model, "model '\(name)', layer \(index): dense width must be in 1…\(Model.maximumWidth), got \(units)")
                }
                guard width.multipliedReportingOverflow(by: units).partialValue <= Model.maximumLayerWeights,
                      !width.multipliedReportingOverflow(by: units).overflow else {
                    throw ModelsError(.model, "model '\(name)', layer \(index): \(width)×\(units) weights is too large")
                }
                let fanSum = activation == .relu || activation == .gelu ? width : width + units
                let bound = (6 / Float(fanSum)).squareRoot()
                let weights = (0..<(width * units)).map { _ in (random.nextFloat() * 2 - 1) * bound }
                layers.append(.dense(try DenseLayer(inputCount: width, outputCount: units, weights: weights,
                                                    bias: [Float](repeating: 0, count: units), activation: activation)))
                width = units
            case .layerNorm:
                layers.append(.layerNorm(try LayerNormLayer(featureCount: width)))
            case .dropout(let rate):
                layers.append(.dropout(rate: rate))
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
    public var specs: [LayerSpec] {
        layers.map { layer in
            switch layer {
            case .dense(let dense): return .dense(units: dense.outputCount, activation: dense.activation)
            case .layerNorm: return .layerNorm
            case .dropout(let rate): return .dropout(rate: rate)
            }
        }
    }

    /// Number of outputs (classes).
    public var outputCount: Int {
        for layer in layers.reversed() { if case .dense(let dense) = layer { return dense.outputCount } }
        return inputCount
    }

    /// Number of learnable values in all layers.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The dense layers with their positions in `layers`.
    public var denseLayers: [(index: Int, layer: DenseLayer)] {
        layers.enumerated().compactMap { index, layer in
            if case .dense(let dense) = layer { return (index, dense) } else { return nil }
        }
    }

    /// Replaces the dense layer at `index` (which must hold a dense layer of the same shape).
    mutating func replaceDense(at index: Int, with dense: DenseLayer) {
        layers[index] = .dense(dense)
    }
}

extension Model: CustomStringConvertible {
    /// A one-line summary, e.g. `model mlp: 64 → dense 128 relu → dense 10, 9,610 parameters, f32`.
    public var description: String {
        let formats = Set(denseLayers.map { $0.layer.format.rawValue }).sorted().joined(separator: "/")
        return "model \(name): \(inputCount) → " + layers.map(\.summary).joined(separator: " → ")
            + ", \(parameterCount) parameters, \(formats)"
    }
}
